// What mesh checks before it touches the cluster, so a refusal leaves nothing behind: target ports, local
// ports, RBAC, a Service someone exchanged, a header someone else routes, a name someone else uses.
import { ErrorCode, UserError, type Logger } from '@ktctl/plugin-api';
import { Keys, selectorQuery, type KubeClient, type PodWithPorts, type ServiceView } from '@ktctl/kube';
import { ROUTER_CONTROL_PORT, type RouterRoute } from '@ktctl/agent-contract';
import { checkLocalPorts } from '../shared/ports.js';
import type { PortMapping } from '../shared/reverse-tunnel.js';
import { storedRules } from '../shared/router-rules.js';
import { checkRemotePorts, serviceTargetPorts } from '../shared/target-ports.js';
import { requireFree } from './join.js';
import { findRouter } from '../shared/router-state.js';
import { routedPorts, type RoutedPort } from './objects.js';

/** Everything mesh does in the namespace; auto mode also makes Services and the router pod and talks to it. */
export function meshPermissions(
  namespace: string,
  mode: 'auto' | 'manual',
  shadow: readonly { verb: string; resource: string; namespace?: string }[],
) {
  const read = ['get', 'list'].map((verb) => ({ verb, resource: 'services', namespace }));
  const auto =
    mode === 'auto'
      ? [
          ...['create', 'patch', 'delete'].map((verb) => ({ verb, resource: 'services', namespace })),
          ...['get', 'watch', 'create', 'patch', 'delete'].map((verb) => ({ verb, resource: 'pods', namespace })),
        ]
      : [];
  return [...read, { verb: 'list', resource: 'pods', namespace }, ...auto, ...shadow];
}

/** The Service's own pods by its original selector (where named target ports are defined and manual mode copies labels from). */
export async function servicePods(
  client: KubeClient,
  svc: ServiceView,
  selector: Readonly<Record<string, string>>,
): Promise<PodWithPorts[]> {
  if (!Object.keys(selector).length)
    throw new UserError(ErrorCode.NotFound, `Service ${svc.metadata.name} has no selector, so it has no pods to share traffic with`, {
      hint: 'Mesh a Service that selects pods',
    });
  return (
    await client.list<PodWithPorts>({ apiVersion: 'v1', resource: 'pods', namespace: client.namespace }, selectorQuery(selector))
  ).items.filter((p) => p.metadata.labels?.[Keys.controlBy] !== 'kt');
}

/** Remote ports must be TCP target ports; the router's control port must not be one; warns of what is not carried. */
export async function checkMeshPorts(
  svc: ServiceView,
  pods: readonly PodWithPorts[],
  ports: readonly PortMapping[],
  options: { skipPortChecking: boolean; localHost?: string },
  logger: Logger,
): Promise<RoutedPort[]> {
  checkRemotePorts(svc, ports, serviceTargetPorts(svc, pods));
  const routed = routedPorts(svc, pods);
  if (routed.tcp.some((p) => p.number === ROUTER_CONTROL_PORT)) {
    throw new UserError(
      ErrorCode.InvalidFlag,
      `Service ${svc.metadata.name} has target port ${ROUTER_CONTROL_PORT}, the mesh router's control port`,
      { hint: 'Use --mode manual with your own mesh rules for this Service' },
    );
  }
  if (!options.skipPortChecking) await checkLocalPorts(ports, options.localHost);
  return routed.tcp;
}

/** Warnings that matter only in auto mode (the router carries TCP ports; unexposed ones go to the original pods only). */
export function warnAuto(svc: ServiceView, pods: readonly PodWithPorts[], ports: readonly PortMapping[], logger: Logger): void {
  const { tcp, udp } = routedPorts(svc, pods);
  if (udp.length)
    logger.warn(
      `UDP target port${udp.length > 1 ? 's' : ''} ${udp.join(', ')} of Service ${svc.metadata.name} cannot go through the router: not reachable through the Service while meshed`,
    );
  const unexposed = tcp.filter((t) => !ports.some((p) => p.remote === t.number)).map((t) => t.number);
  if (unexposed.length)
    logger.warn(
      `Target port${unexposed.length > 1 ? 's' : ''} ${unexposed.join(', ')} not exposed: requests there with your header are refused, others still reach the original pods`,
    );
}

/** Refuses early (nothing made yet) when someone else routes this header and value; re-checked at join. */
export async function refuseTakenRoute(client: KubeClient, service: string, route: RouterRoute): Promise<void> {
  const router = await findRouter(client, service);
  requireFree(service, storedRules(router?.metadata.annotations), route);
}

interface Named {
  metadata: { labels?: Record<string, string>; annotations?: Record<string, string> };
}

/** Refuses when `<svc>-kt-mesh-<ver>` exists already: another developer chose the same mark. */
export async function refuseTakenName(client: KubeClient, name: string, mark: string): Promise<void> {
  const ns = client.namespace;
  for (const ref of [
    { apiVersion: 'v1', resource: 'services' },
    { apiVersion: 'v1', resource: 'pods' },
    { apiVersion: 'v1', resource: 'configmaps' },
  ]) {
    const existing = await client.find<Named>({ ...ref, namespace: ns, name });
    if (!existing) continue;
    const user = existing.metadata.annotations?.[Keys.user] ?? 'someone';
    throw new UserError(
      ErrorCode.AlreadyRedirected,
      `${name} already exists (${ref.resource}, made by ${user}): version mark "${mark}" is taken; mesh changed nothing`,
      { hint: 'Pick another value with --versionMark' },
    );
  }
}
