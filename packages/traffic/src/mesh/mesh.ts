import { userInfo } from 'node:os';
import { startWithTeardown, type Logger, type Teardown } from '@ktctl/plugin-api';
import {
  forwarderOptionsFromFlags,
  getService,
  invokingUser,
  requirePermissions,
  shadowOptionsFromFlags,
  shadowPermissions,
  startShadow,
  type KubeClient,
  type PodWithPorts,
  type ShadowHandle,
} from '@ktctl/kube';
import { parseTarget, resolveServiceName } from '../shared/command-target.js';
import { parseExpose } from '../shared/ports.js';
import { exposeLocalPorts, type ExposedPorts, type PortMapping, type ReverseTunnelStatus } from '../shared/reverse-tunnel.js';
import { savedSelector, type ServiceState } from '../shared/service-selector.js';
import { TARGET_PORT_HINT } from '../shared/target-ports.js';
import { startAuto } from './auto.js';
import { checkMeshPorts, meshPermissions, refuseTakenName, refuseTakenRoute, servicePods, warnAuto } from './checks.js';
import { refuseIfExchanged } from './mesh-lock.js';
import { manualLabels } from './manual.js';
import type { RoutedPort } from './objects.js';
import { headerExample, meshObjectName, meshSuffix, parseVersionMark, type VersionMark } from './version-mark.js';

export const MESH_MODES = ['auto', 'manual'] as const;
export type MeshMode = (typeof MESH_MODES)[number];

/** What `ktctl mesh` was asked, flags already resolved. */
export interface MeshOptions {
  /** `svc`, `svc/x`, `service/x`, `deployment/x` or `pod/x`. */
  readonly target: string;
  readonly mode: MeshMode;
  /** `port` or `local:remote`, comma separated; remote ports are the Service's target ports. */
  readonly expose: string | readonly string[];
  /** `value`, `key:` or `key:value`. */
  readonly versionMark?: string;
  /** The image with the router; the shadow image by default. */
  readonly routerImage?: string;
  readonly skipPortChecking: boolean;
  /** The resolved global flags (namespace, image, podCreationTimeout, ...). */
  readonly flags: Record<string, unknown>;
  readonly version: string;
  readonly localHost?: string;
}

/** What the user sees of a mesh's life. */
export type MeshEvent =
  | { readonly kind: 'progress'; readonly step: string; readonly detail: string }
  | { readonly kind: 'status'; readonly status: ReverseTunnelStatus; readonly detail: string }
  | { readonly kind: 'router'; readonly state: 'router-lost' | 'router-back' | 'route-restored'; readonly detail: string };

export interface MeshDeps {
  /** The cluster (the caller closes it). */
  readonly client: KubeClient;
  readonly logger: Logger;
  readonly onEvent: (event: MeshEvent) => void;
  readonly signal: AbortSignal;
  readonly env: NodeJS.ProcessEnv;
}

/** A running mesh. */
export interface Mesh {
  readonly service: string;
  readonly namespace: string;
  readonly mode: MeshMode;
  readonly shadow: string;
  readonly mark: VersionMark;
  /** `key: value`, the header to send (auto mode). */
  readonly header: string;
  /** The Service port in front of the first exposed target port (what a caller dials). */
  readonly servicePort: number;
  /** `key=value`, the label to select the shadow by (manual mode). */
  readonly label: string;
  readonly ports: readonly PortMapping[];
  readonly tunnel: ExposedPorts;
  /** Leaves the router (the last one out restores the Service), then removes this run's objects. Returns what failed. */
  close(): Promise<string[]>;
}

/** What both modes have worked out before anything is made. */
export interface MeshPlan {
  readonly service: string;
  readonly mark: VersionMark;
  readonly objectName: string;
  readonly user: string;
  readonly ports: readonly PortMapping[];
  readonly routed: readonly RoutedPort[];
  readonly pods: readonly PodWithPorts[];
  readonly selector: Record<string, string>;
}

/**
 * `ktctl mesh`: requests carrying the developer's header reach local ports, all others the original pods
 * (auto mode: a shared router); or, in manual mode, a shadow labelled like the original pods plus the
 * version label for the user's own mesh rules. Checks everything before touching the cluster; whatever
 * fails, what was made is undone.
 */
export async function mesh(options: MeshOptions, deps: MeshDeps): Promise<Mesh> {
  const ports = parseExpose(options.expose, `e.g. --expose 8080 or --expose 3000:8080; ${TARGET_PORT_HINT}`);
  const mark = parseVersionMark(options.versionMark, options.mode);
  const plan = await planMesh(options, deps, ports, mark);
  return startWithTeardown(deps.logger, async (teardown) => {
    const labels = options.mode === 'manual' ? manualLabels(plan) : undefined;
    const shadow = await createShadow(options, deps, teardown, plan, labels);
    const tunnel = await exposeLocalPorts({
      shadow: { privateKey: shadow.privateKey, forwarder: (p) => shadow.forwarder(p, forwarderOptionsFromFlags(options.flags)) },
      ports,
      localHost: options.localHost,
      logger: deps.logger,
      onStatus: (status, detail) => deps.onEvent({ kind: 'status', status, detail }),
    });
    teardown.defer('reverse tunnel', () => tunnel.close());
    if (options.mode === 'auto') await startAuto(options, deps, teardown, plan, shadow, tunnel);
    const label = `${mark.key}=${mark.value}`;
    return {
      service: plan.service,
      namespace: deps.client.namespace,
      mode: options.mode,
      shadow: shadow.name,
      mark,
      header: headerExample(mark),
      servicePort: plan.routed.find((p) => p.number === ports[0]!.remote)?.servicePort.port ?? ports[0]!.remote,
      label,
      ports,
      tunnel,
    };
  });
}

async function planMesh(options: MeshOptions, deps: MeshDeps, ports: PortMapping[], mark: VersionMark): Promise<MeshPlan> {
  const { client } = deps;
  const service = await resolveServiceName(client, parseTarget(options.target));
  const svc = await getService(client, service);
  const objectName = meshObjectName(service, mark);
  await requirePermissions(
    client,
    meshPermissions(client.namespace, options.mode, shadowPermissions(client.namespace, options.flags.useShadowDeployment === true)),
  );
  // A Service others meshed already selects the router: its own pods are found by the saved selector.
  const selector = savedSelector(svc as ServiceState) ?? { ...(svc.spec.selector ?? {}) };
  const pods = await servicePods(client, svc, selector);
  const routed = await checkMeshPorts(svc, pods, ports, options, deps.logger);
  await refuseIfExchanged(client, svc, await client.clusterUnixSeconds());
  // Names this run in kt-user and in its route: the sudo invoker, $USER, else the account name.
  const user = invokingUser(deps.env, () => userInfo().username);
  if (options.mode === 'auto') {
    await refuseTakenRoute(client, service, { header: mark.key, value: mark.value, backend: objectName, user });
    warnAuto(svc, pods, ports, deps.logger);
  }
  await refuseTakenName(client, objectName, headerExample(mark));
  return { service, mark, objectName, user, ports, routed, pods, selector };
}

function createShadow(
  options: MeshOptions,
  deps: MeshDeps,
  teardown: Teardown,
  plan: MeshPlan,
  podLabels: Record<string, string> | undefined,
): Promise<ShadowHandle> {
  const names = new Map(plan.routed.filter((p) => p.name).map((p) => [p.number, p.name!]));
  const shadowOptions = {
    ...shadowOptionsFromFlags(options.flags, { kind: 'mesh', service: plan.service, version: meshSuffix(plan.mark) }, options.version),
    config: { service: plan.service },
    podLabels,
    exposePorts: plan.ports.map((p) => p.remote),
    // Named like the Service's named target ports, so a Service (or an Istio subset) selecting it resolves them.
    customizePodSpec: (spec: Record<string, any>) => {
      for (const port of spec.containers?.[0]?.ports ?? [])
        if (names.has(port.containerPort) && port.protocol === 'TCP') port.name = names.get(port.containerPort);
    },
    env: deps.env,
    signal: deps.signal,
  };
  const onProgress = (p: { phase: string; detail?: string }): void =>
    deps.onEvent({ kind: 'progress', step: 'shadow pod', detail: p.detail ?? p.phase });
  return startShadow(deps.client, shadowOptions, { teardown, logger: deps.logger, onProgress, supervise: true });
}
