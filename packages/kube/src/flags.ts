import { globalFlagValues, shadowImage } from '@ktctl/config';
import { KubeClient, type KubeClientOptions } from './client.js';
import type { ShadowPurpose } from './names.js';
import type { PortForwarderOptions } from './port-forward/forwarder.js';
import type { ShadowOptions } from './shadow/manager.js';

/** A command's resolved options (global flags named as in @ktctl/config's table). */
type ResolvedOptions = Readonly<Record<string, unknown>>;

/** An empty flag value means "not given". */
const given = (v: string | undefined): string | undefined => (v === '' ? undefined : v);

/** KubeClient options from the resolved flags. */
export function clientOptionsFromFlags(flags: ResolvedOptions): KubeClientOptions {
  const f = globalFlagValues(flags);
  return { namespace: given(f.namespace), kubeconfig: given(f.kubeconfig), context: given(f.context) };
}

/** The one KubeClient a command builds from its resolved flags and hands to its service (it closes it). */
export function clientFromFlags(flags: ResolvedOptions): KubeClient {
  return KubeClient.fromOptions(clientOptionsFromFlags(flags));
}

/** ShadowManager options from the resolved flags; the image is `--image`, else this release's under `--imageRegistry`. */
export function shadowOptionsFromFlags(flags: ResolvedOptions, purpose: ShadowPurpose, version: string): ShadowOptions {
  const f = globalFlagValues(flags);
  return {
    purpose,
    image: shadowImage({ image: f.image, imageRegistry: f.imageRegistry }, version),
    useShadowDeployment: f.useShadowDeployment === true,
    podQuota: given(f.podQuota),
    nodeSelector: given(f.nodeSelector),
    imagePullSecret: given(f.imagePullSecret),
    serviceAccount: given(f.serviceAccount),
    withLabel: given(f.withLabel),
    withAnnotation: given(f.withAnnotation),
    forceUpdate: f.forceUpdate === true,
    podCreationTimeout: f.podCreationTimeout ?? 60,
  };
}

/** PortForwarder options from the resolved flags (`--portForwardTimeout` bounds each open). */
export function forwarderOptionsFromFlags(flags: ResolvedOptions): PortForwarderOptions {
  return { openTimeoutMs: (globalFlagValues(flags).portForwardTimeout ?? 10) * 1000 };
}
