import { ErrorCode, UserError } from '@ktctl/plugin-api';
import { resolveTargetPort, type PodWithPorts, type ServicePortView, type ServiceView } from '@ktctl/kube';
import type { PortMapping } from './reverse-tunnel.js';

export const TARGET_PORT_HINT = '--expose takes the Service TARGET ports (the ports your pods listen on), not the Service ports';

/** The Service's TCP target ports, named ones resolved through a pod (or a pod template) that has them. */
export function serviceTargetPorts(
  svc: ServiceView,
  pods: readonly PodWithPorts[],
): { tcp: number[]; udp: number[]; unresolved: string[] } {
  const out = { tcp: [] as number[], udp: [] as number[], unresolved: [] as string[] };
  for (const p of svc.spec.ports ?? []) {
    const resolved = resolveThroughPods(p, pods);
    if (resolved === undefined) out.unresolved.push(String(p.targetPort));
    else (p.protocol === 'UDP' ? out.udp : out.tcp).push(resolved);
  }
  return out;
}

/** A TCP target port as a shadow or the router carries it: its number, and its name if the Service names it. */
export interface CarriedPort {
  readonly number: number;
  readonly name?: string;
  /** The Service port that leads there (mesh's stuntman keeps it so its targetPort resolves on the original pods). */
  readonly servicePort: ServicePortView;
}

/**
 * The Service's TCP target ports, each once (resolved through its pods; a named one needs a pod that has it),
 * carrying the name whenever a Service port names it, so a pod standing in for the originals declares the same
 * container port names and the Service's named targetPorts resolve there; UDP ones apart.
 */
export function carriedPorts(svc: ServiceView, pods: readonly PodWithPorts[]): { tcp: CarriedPort[]; udp: number[] } {
  const tcp: CarriedPort[] = [];
  const udp: number[] = [];
  for (const p of svc.spec.ports ?? []) {
    const number = resolveThroughPods(p, pods);
    if (number === undefined) continue;
    if (p.protocol === 'UDP') {
      udp.push(number);
      continue;
    }
    const name = typeof p.targetPort === 'string' && !/^\d+$/.test(p.targetPort) ? p.targetPort : undefined;
    const seen = tcp.findIndex((t) => t.number === number);
    if (seen === -1) tcp.push({ number, servicePort: p, ...(name ? { name } : {}) });
    else if (name && !tcp[seen]!.name) tcp[seen] = { ...tcp[seen]!, name };
  }
  return { tcp, udp };
}

/** A Service port's target port number through the first pod (or template) that has it; undefined when none does. */
function resolveThroughPods(port: ServicePortView, pods: readonly PodWithPorts[]): number | undefined {
  for (const pod of pods.length ? pods : [undefined]) {
    try {
      return resolveTargetPort(port, pod);
    } catch {
      // a named port this pod lacks; try the next
    }
  }
  return undefined;
}

/** Checks every remote port is a TCP target port of the Service; the error lists the ones it has. */
export function checkRemotePorts(svc: ServiceView, mappings: readonly PortMapping[], targets: ReturnType<typeof serviceTargetPorts>): void {
  const name = svc.metadata.name;
  for (const m of mappings) {
    if (targets.tcp.includes(m.remote)) continue;
    if (targets.udp.includes(m.remote))
      throw new UserError(ErrorCode.TargetPortNotFound, `Target port ${m.remote} of Service ${name} is UDP; exchange carries TCP only`, {
        hint: `Expose only its TCP target ports: ${targets.tcp.join(', ') || 'none'}`,
      });
    const servicePort = (svc.spec.ports ?? []).find((p) => p.port === m.remote);
    const hint =
      servicePort && servicePort.targetPort !== undefined && String(servicePort.targetPort) !== String(m.remote)
        ? ` (${m.remote} is a Service port; its target port is ${servicePort.targetPort})`
        : '';
    throw new UserError(
      ErrorCode.TargetPortNotFound,
      `Port ${m.remote} is not a target port of Service ${name}${hint}; its TCP target ports are ${targets.tcp.join(', ') || 'none'}`,
      { hint: TARGET_PORT_HINT },
    );
  }
}
