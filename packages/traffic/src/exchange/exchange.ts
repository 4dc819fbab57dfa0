import { userInfo } from 'node:os';
import { ErrorCode, UserError, startWithTeardown, type Logger, type Teardown } from '@ktctl/plugin-api';
import {
  Heartbeat,
  forwarderOptionsFromFlags,
  getService,
  invokingUser,
  requirePermissions,
  selectorQuery,
  shadowOptionsFromFlags,
  shadowPermissions,
  startShadow,
  type KubeClient,
  type PodWithPorts,
  type ServiceView,
  type ShadowHandle,
  type ShadowOptions,
} from '@ktctl/kube';
import { AGENT_DNS_PORT, AGENT_SSH_PORT } from '@ktctl/agent-contract';
import { carriedPorts, checkRemotePorts, serviceTargetPorts, TARGET_PORT_HINT } from '../shared/target-ports.js';
import { checkLocalPorts, parseExpose } from '../shared/ports.js';
import { redirectService } from './service-redirect.js';
import { exposeLocalPorts, type ExposedPorts, type PortMapping, type ReverseTunnelStatus } from '../shared/reverse-tunnel.js';
import {
  deploymentsBehind,
  requireDeployments,
  scaleBack,
  scaleDown,
  waitForReplicas,
  type DeploymentState,
  type ScaledDeployment,
} from '../shared/scale.js';
import { lockService, refuseIfHeld, unlockService } from '../shared/service-lock.js';
import { parseTarget, resolveServiceName } from '../shared/command-target.js';

export const EXCHANGE_MODES = ['selector', 'scale', 'ephemeral'] as const;
export type ExchangeMode = (typeof EXCHANGE_MODES)[number];

/** What `ktctl exchange` was asked, flags already resolved (global ones as @ktctl/config names them). */
export interface ExchangeOptions {
  /** `svc`, `svc/x`, `service/x`, `deployment/x` or `pod/x`. */
  readonly target: string;
  readonly mode: ExchangeMode;
  /** `port` or `local:remote`, comma separated; remote ports are the Service's target ports. */
  readonly expose: string | readonly string[];
  /** Seconds to wait for scaled-down Deployments to be ready again on exit (scale mode). */
  readonly recoverWaitTime: number;
  readonly skipPortChecking: boolean;
  /** The resolved global flags (namespace, kubeconfig, image, podCreationTimeout, ...). */
  readonly flags: Record<string, unknown>;
  /** ktctl's version: names the shadow image. */
  readonly version: string;
  /** Where local connections go (default 127.0.0.1). */
  readonly localHost?: string;
}

/** What the user sees of an exchange's life. */
export type TrafficEvent =
  | { readonly kind: 'progress'; readonly step: string; readonly detail: string }
  | { readonly kind: 'status'; readonly status: ReverseTunnelStatus; readonly detail: string };

export interface ExchangeDeps {
  /** The cluster (the caller closes it). */
  readonly client: KubeClient;
  readonly logger: Logger;
  readonly onEvent: (event: TrafficEvent) => void;
  /** Aborts the start (Ctrl-C while the shadow starts). */
  readonly signal: AbortSignal;
  readonly env: NodeJS.ProcessEnv;
}

/** A running exchange. */
export interface Exchange {
  readonly service: string;
  readonly namespace: string;
  readonly shadow: string;
  readonly mode: ExchangeMode;
  readonly ports: readonly PortMapping[];
  readonly tunnel: ExposedPorts;
  /**
   * Puts everything back (Service selector or Deployment counts, shadow, tunnel); in scale mode then waits
   * up to recoverWaitTime for the replicas, unless `skipWait` aborts. Returns the steps that failed.
   */
  close(skipWait?: AbortSignal): Promise<string[]>;
  /** Resolves with a line for the user when someone else took the Service meanwhile (selector mode); the run should end. */
  readonly lost: Promise<string>;
}

/**
 * `ktctl exchange`: the Service's traffic goes to local ports. Checks everything it can before touching the
 * cluster (target ports, local ports, RBAC, whether someone else holds the Service), then locks the
 * Service, starts the shadow and the reverse tunnel, and redirects. Whatever fails, what was made is undone.
 */
export async function exchange(options: ExchangeOptions, deps: ExchangeDeps): Promise<Exchange> {
  if (options.mode === 'ephemeral') {
    throw new UserError(ErrorCode.ModeUnsupported, 'exchange --mode ephemeral is not supported by ktctl', {
      hint: 'Use --mode selector (the default) or --mode scale',
    });
  }
  const ports = parseExpose(options.expose, `e.g. --expose 8080 or --expose 3000:8080; ${TARGET_PORT_HINT}`);
  let skipWait: AbortSignal | undefined;
  const started = await startWithTeardown(deps.logger, (teardown) => startExchange(options, deps, ports, teardown, () => skipWait), {
    // A failed start has nothing worth waiting for.
    beforeUndo: () => void (skipWait = AbortSignal.abort()),
  });
  return { ...started, close: (skip) => ((skipWait = skip), started.close()) };
}

async function startExchange(
  options: ExchangeOptions,
  deps: ExchangeDeps,
  ports: PortMapping[],
  teardown: Teardown,
  skipWait: () => AbortSignal | undefined,
): Promise<Omit<Exchange, 'close'>> {
  const { client } = deps;
  const name = await resolveServiceName(client, parseTarget(options.target));
  const svc = await getService(client, name);
  const selector = svc.spec.selector ?? {};
  await requirePermissions(client, exchangePermissions(client.namespace, options));
  await refuseIfHeld(client, svc, 'exchange');
  if (!Object.keys(selector).length)
    throw new UserError(ErrorCode.NotFound, `Service ${name} has no selector, so it has no pods to stand in for`, {
      hint: 'Exchange a Service that selects pods',
    });
  const deployments = options.mode === 'scale' ? await deploymentsBehind(client, selector) : [];
  if (options.mode === 'scale') requireDeployments(name, deployments);
  const portNames = await checkPorts(client, svc, ports, deployments, options, deps.logger);
  // Names this run to whoever finds the Service held: the sudo invoker, $USER, else the account name.
  const user = invokingUser(deps.env, () => userInfo().username);
  const lock = await lockService(client, name, user, 'exchange', () => getService(client, name));
  let lockHeld = true;
  teardown.defer(`kt-lock on service ${name}`, () => (lockHeld ? unlockService(client, name, lock.original) : undefined));
  const scaled: ScaledDeployment[] = [];
  // Registered before the shadow so it runs after the shadow is gone: the wait is the last thing.
  teardown.defer('waiting for the Deployments', () => waitScaledBack(client, scaled, options.recoverWaitTime, deps, skipWait()));
  const shadow = await createShadow(client, options, deps, teardown, { service: name, ports, portNames, selector, deployments });
  const tunnel = await exposeLocalPorts({
    shadow: { privateKey: shadow.privateKey, forwarder: (p) => shadow.forwarder(p, forwarderOptionsFromFlags(options.flags)) },
    ports,
    localHost: options.localHost,
    logger: deps.logger,
    onStatus: (status, detail) => deps.onEvent({ kind: 'status', status, detail }),
  });
  teardown.defer('reverse tunnel', () => tunnel.close());
  let lost = new Promise<string>(() => {});
  if (options.mode === 'selector') {
    const redirect = await redirectService(client, name, lock.original, shadow.target, user, deps.logger);
    lost = redirect.lost;
    lockHeld = false;
    teardown.defer(`selector of service ${name}`, () => redirect.restore());
  } else {
    await scaleDownDeployments(client, deployments, user, deps, teardown, scaled);
    await unlockService(client, name, lock.original);
    lockHeld = false;
  }
  return { service: name, namespace: client.namespace, shadow: shadow.name, mode: options.mode, ports, tunnel, lost };
}

/** Everything exchange does in the namespace, checked in one go before anything changes. */
function exchangePermissions(namespace: string, options: ExchangeOptions) {
  const service = ['get', 'patch', 'watch'].map((verb) => ({ verb, resource: 'services', namespace }));
  const deployments = options.mode === 'scale' ? [{ verb: 'patch', resource: 'deployments', namespace }] : [];
  return [...service, ...deployments, ...shadowPermissions(namespace, options.flags.useShadowDeployment === true)];
}

/** Remote ports must be TCP target ports of the Service; local ports must listen (unless skipped). Returns port names to give the shadow. */
async function checkPorts(
  client: KubeClient,
  svc: ServiceView,
  ports: readonly PortMapping[],
  deployments: readonly DeploymentState[],
  options: ExchangeOptions,
  logger: Logger,
): Promise<Map<number, string>> {
  for (const p of ports) {
    if (p.remote === AGENT_SSH_PORT || p.remote === AGENT_DNS_PORT)
      throw new UserError(ErrorCode.InvalidFlag, `Target port ${p.remote} cannot be exchanged: the shadow pod's agent uses it`, {
        hint: 'Only target ports other than 22 and 53 can be exposed',
      });
  }
  const pods = await podsWithPorts(client, svc, deployments);
  const targets = serviceTargetPorts(svc, pods);
  checkRemotePorts(svc, ports, targets);
  if (!options.skipPortChecking) await checkLocalPorts(ports, options.localHost);
  // Only once nothing else can fail here, so an error stays the one line the user sees.
  const unexposed = targets.tcp.filter((t) => !ports.some((p) => p.remote === t));
  if (unexposed.length)
    logger.warn(
      `Target port${unexposed.length > 1 ? 's' : ''} ${unexposed.join(', ')} of Service ${svc.metadata.name} not exposed: calls to ${unexposed.length > 1 ? 'them' : 'it'} are refused while exchanged`,
    );
  return namedTargetPorts(svc, pods);
}

/** The Service's pods (any state) and the pod templates of Deployments behind it: where named ports are defined. */
async function podsWithPorts(client: KubeClient, svc: ServiceView, deployments: readonly DeploymentState[]): Promise<PodWithPorts[]> {
  const pods = (
    await client.list<PodWithPorts>(
      { apiVersion: 'v1', resource: 'pods', namespace: client.namespace },
      selectorQuery(svc.spec.selector ?? {}),
    )
  ).items;
  const templates = deployments.map(
    (d) =>
      ({
        metadata: { name: `deployment/${d.metadata.name}` },
        spec: (d.spec.template as { spec?: PodWithPorts['spec'] } | undefined)?.spec,
      }) as PodWithPorts,
  );
  return [...pods, ...templates];
}

/** Named target ports → their number, so the shadow's container ports carry the same names (the Service resolves them there). */
function namedTargetPorts(svc: ServiceView, pods: readonly PodWithPorts[]): Map<number, string> {
  return new Map(carriedPorts(svc, pods).tcp.flatMap((p) => (p.name ? [[p.number, p.name] as const] : [])));
}

interface ShadowPlan {
  service: string;
  ports: readonly PortMapping[];
  portNames: Map<number, string>;
  selector: Record<string, string>;
  deployments: readonly DeploymentState[];
}

async function createShadow(
  client: KubeClient,
  options: ExchangeOptions,
  deps: ExchangeDeps,
  teardown: Teardown,
  plan: ShadowPlan,
): Promise<ShadowHandle> {
  const scale = options.mode === 'scale';
  const first = plan.deployments[0];
  const base = shadowOptionsFromFlags(options.flags, { kind: 'exchange', service: plan.service }, options.version);
  const onProgress = (p: { phase: string; detail?: string }): void =>
    deps.onEvent({ kind: 'progress', step: 'shadow pod', detail: p.detail ?? p.phase });
  const shadowOptions: ShadowOptions = {
    ...base,
    // KtConnect's kt-config: the Service, or the Deployment and its count in scale mode (clean scales it back).
    config: scale && first ? { app: first.metadata.name, replicas: first.spec.replicas ?? 1 } : { service: plan.service },
    podLabels: scale ? plan.selector : undefined,
    exposePorts: plan.ports.map((p) => p.remote),
    customizePodSpec: (spec) => {
      for (const port of spec.containers?.[0]?.ports ?? []) {
        const name = plan.portNames.get(port.containerPort);
        if (name && port.protocol === 'TCP') port.name = name;
      }
    },
    env: deps.env,
    signal: deps.signal,
  };
  return startShadow(client, shadowOptions, { teardown, logger: deps.logger, onProgress, supervise: true });
}

async function scaleDownDeployments(
  client: KubeClient,
  deployments: readonly DeploymentState[],
  user: string,
  deps: ExchangeDeps,
  teardown: Teardown,
  scaled: ScaledDeployment[],
): Promise<void> {
  const heartbeat = new Heartbeat(client, (err, ref) =>
    deps.logger.warn(`heartbeat on deployment ${ref.name} failed: ${(err as Error).message}`),
  );
  teardown.defer('Deployment replicas', async () => {
    await heartbeat.stop();
    for (const s of scaled) await scaleBack(client, s.ref, s.replicas);
  });
  await scaleDown(client, deployments, user, scaled, heartbeat);
  deps.onEvent({ kind: 'progress', step: 'scale', detail: scaled.map((s) => `${s.ref.name} scaled from ${s.replicas} to 0`).join(', ') });
}

async function waitScaledBack(
  client: KubeClient,
  scaled: readonly ScaledDeployment[],
  seconds: number,
  deps: ExchangeDeps,
  skip: AbortSignal | undefined,
): Promise<void> {
  if (!scaled.length || seconds <= 0) return;
  const ready = await waitForReplicas(
    client,
    scaled,
    seconds,
    (detail) => deps.onEvent({ kind: 'progress', step: 'waiting for replicas', detail }),
    skip,
  );
  if (!ready && !skip?.aborted)
    deps.logger.warn(`Deployments not ready after ${seconds} s; their replica counts are restored, the pods are still starting`);
}
