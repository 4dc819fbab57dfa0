import { startWithTeardown, type Logger, type Teardown } from '@ktctl/plugin-api';
import { globalFlagValues } from '@ktctl/config';
import {
  Heartbeat,
  invokingUser,
  isStatus,
  parseKeyValues,
  requirePermissions,
  shadowOptionsFromFlags,
  shadowPermissions,
  startShadow,
  type KubeClient,
  type ShadowHandle,
  type ShadowProgress,
} from '@ktctl/kube';
import { exposeLocalPorts, type ExposedPorts, type PortMapping, type ReverseTunnelStatus } from '../shared/reverse-tunnel.js';
import { checkLocalPorts } from '../shared/ports.js';
import { previewService, requireFreeName, serviceExistsError, serviceRef, waitForEndpoints } from './preview-service.js';

export interface PreviewOptions {
  name: string;
  ports: readonly PortMapping[];
  external: boolean;
  skipPortChecking: boolean;
  portNamePrefix: string;
  /** The resolved global flags (namespace, kubeconfig, image, withLabel, ...). */
  flags: Record<string, unknown>;
  version: string;
}

export interface PreviewDeps {
  /** The cluster (the caller closes it). */
  client: KubeClient;
  logger: Logger;
  /** A step of the start and its news ("shadow pod", "scheduled"). */
  onProgress: (step: string, detail: string) => void;
  onTunnel: (status: ReverseTunnelStatus, detail: string) => void;
  signal: AbortSignal;
  env: NodeJS.ProcessEnv;
}

/** A running preview: its Service, the shadow behind it, and how to remove both. */
export interface Preview {
  readonly namespace: string;
  readonly service: string;
  readonly clusterIP: string | undefined;
  readonly shadowPod: string;
  /** Deletes the Service, ends the tunnel, removes the shadow; returns what failed. Safe to call twice. */
  close(): Promise<string[]>;
}

/**
 * `ktctl preview <name>`: checks everything a user can get wrong first (local ports, permissions, the
 * name), then the shadow pod, the reverse tunnel to the local ports, and last the Service, so nothing
 * in the cluster routes to the shadow before the tunnel carries it. Whatever fails, what was made goes.
 */
export async function startPreview(options: PreviewOptions, deps: PreviewDeps): Promise<Preview> {
  if (!options.skipPortChecking) await checkLocalPorts(options.ports);
  const { client } = deps;
  return startWithTeardown(deps.logger, async (teardown) => {
    const namespace = client.namespace;
    const verbs = ['create', 'patch', 'delete'].map((verb) => ({ verb, resource: 'services', namespace }));
    await requirePermissions(client, [...verbs, ...shadowPermissions(namespace, options.flags.useShadowDeployment === true)]);
    await requireFreeName(client, options.name);
    const shadow = await createShadow(client, options, deps, teardown);
    const tunnel = await exposeLocalPorts({ shadow, ports: options.ports, logger: deps.logger, onStatus: deps.onTunnel });
    teardown.defer('reverse tunnel', () => tunnel.close());
    const clusterIP = await createService(client, shadow, options, deps, teardown);
    await waitReachable(tunnel, clusterIP, options.ports[0]!.remote, options.name, deps);
    return { namespace, service: options.name, clusterIP, shadowPod: shadow.podName };
  });
}

/**
 * "Ready" means a pod can call the Service now: its endpoint is ready (createService) and kube-proxy has
 * programmed it, checked by connecting from the shadow pod itself (which then reaches us through the tunnel).
 */
async function waitReachable(
  tunnel: ExposedPorts,
  clusterIP: string | undefined,
  port: number,
  name: string,
  deps: PreviewDeps,
): Promise<void> {
  if (!clusterIP || clusterIP === 'None') return;
  const deadline = Date.now() + 30_000;
  while (!deps.signal.aborted && Date.now() < deadline) {
    if (await tunnel.reachable(clusterIP, port)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  if (!deps.signal.aborted)
    deps.logger.warn(`Service ${name} does not answer from inside the cluster yet; calls to it may fail for a moment`);
}

function createShadow(client: KubeClient, options: PreviewOptions, deps: PreviewDeps, teardown: Teardown): Promise<ShadowHandle> {
  const onProgress = (p: ShadowProgress): void => deps.onProgress('shadow pod', p.detail ?? p.phase);
  const shadowOptions = {
    ...shadowOptionsFromFlags(options.flags, { kind: 'preview', name: options.name }, options.version),
    exposePorts: options.ports.map((p) => p.remote),
    config: { service: options.name },
    env: deps.env,
    signal: deps.signal,
  };
  // Supervised: a deleted shadow pod is recreated at once (same kt-target, so the Service follows it); the tunnel reconnects.
  return startShadow(client, shadowOptions, { teardown, logger: deps.logger, onProgress, supervise: true });
}

async function createService(
  client: KubeClient,
  shadow: ShadowHandle,
  options: PreviewOptions,
  deps: PreviewDeps,
  teardown: Teardown,
): Promise<string | undefined> {
  const ref = serviceRef(client.namespace, options.name);
  const body = previewService({
    name: options.name,
    namespace: client.namespace,
    target: shadow.target,
    ports: options.ports,
    external: options.external,
    portNamePrefix: options.portNamePrefix,
    user: invokingUser(deps.env),
    heartbeat: await client.clusterUnixSeconds(),
    extraLabels: parseKeyValues(globalFlagValues(options.flags).withLabel, '--withLabel'),
    extraAnnotations: parseKeyValues(globalFlagValues(options.flags).withAnnotation, '--withAnnotation'),
  });
  let created: { spec?: { clusterIP?: string } };
  try {
    created = await client.create(ref, body);
  } catch (error) {
    // Someone took the name between the check and now.
    if (isStatus(error, 409)) throw serviceExistsError(options.name, client.namespace, (await client.find(ref)) ?? { metadata: {} });
    throw error;
  }
  teardown.defer(`service ${options.name}`, async () => void (await client.deleteAndWait(ref)));
  const heartbeat = new Heartbeat(client, (err) =>
    deps.logger.warn(`heartbeat on service ${options.name} failed: ${(err as Error).message}`),
  );
  heartbeat.add(ref);
  heartbeat.start();
  teardown.defer('service heartbeat', () => heartbeat.stop());
  if (!(await waitForEndpoints(client, options.name, 30_000, deps.signal)))
    deps.logger.warn(`Service ${options.name} has no ready endpoint yet; calls to it may fail for a moment`);
  return created.spec?.clusterIP;
}
