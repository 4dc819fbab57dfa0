import { shadowImage } from '@ktctl/config';
import type { KubeClientOptions } from './client.js';
import type { ShadowPurpose } from './names.js';
import type { PortForwarderOptions } from './port-forward/forwarder.js';
import type { ShadowOptions } from './shadow/manager.js';

/** The global flags (resolved by @ktctl/config) that this package reads; names as the user types them. */
export interface GlobalFlagValues {
  namespace?: string;
  kubeconfig?: string;
  context?: string;
  image?: string;
  imageRegistry?: string;
  imagePullSecret?: string;
  serviceAccount?: string;
  nodeSelector?: string;
  withLabel?: string;
  withAnnotation?: string;
  portForwardTimeout?: number;
  podCreationTimeout?: number;
  useShadowDeployment?: boolean;
  forceUpdate?: boolean;
  podQuota?: string;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** KubeClient options from the resolved flags. */
export function clientOptionsFromFlags(flags: GlobalFlagValues | Record<string, unknown>): KubeClientOptions {
  const f = flags as Record<string, unknown>;
  return { namespace: str(f.namespace), kubeconfig: str(f.kubeconfig), context: str(f.context) };
}

/** ShadowManager options from the resolved flags; the image is `--image`, else this release's under `--imageRegistry`. */
export function shadowOptionsFromFlags(flags: GlobalFlagValues | Record<string, unknown>, purpose: ShadowPurpose, version: string): ShadowOptions {
  const f = flags as Record<string, unknown>;
  return {
    purpose,
    image: shadowImage({ image: f.image, imageRegistry: f.imageRegistry }, version),
    useShadowDeployment: f.useShadowDeployment === true,
    podQuota: str(f.podQuota),
    nodeSelector: str(f.nodeSelector),
    imagePullSecret: str(f.imagePullSecret),
    serviceAccount: str(f.serviceAccount),
    withLabel: str(f.withLabel),
    withAnnotation: str(f.withAnnotation),
    forceUpdate: f.forceUpdate === true,
    podCreationTimeout: num(f.podCreationTimeout) ?? 60,
  };
}

/** PortForwarder options from the resolved flags (`--portForwardTimeout` bounds each open). */
export function forwarderOptionsFromFlags(flags: GlobalFlagValues | Record<string, unknown>): PortForwarderOptions {
  const seconds = num((flags as Record<string, unknown>).portForwardTimeout) ?? 10;
  return { openTimeoutMs: seconds * 1000 };
}
