import { ErrorCode, UserError } from '@ktctl/plugin-api';
import { resolveTargetPort, type PodWithPorts, type ServiceView } from '@ktctl/kube';
import type { PortMapping } from './reverse-tunnel.js';

export const TARGET_PORT_HINT = '--expose takes the Service TARGET ports (the ports your pods listen on), not the Service ports';

/** The Service's TCP target ports, named ones resolved through a pod (or a pod template) that has them. */
export function serviceTargetPorts(
  svc: ServiceView,
  pods: readonly PodWithPorts[],
): { tcp: number[]; udp: number[]; unresolved: string[] } {
  const out = { tcp: [] as number[], udp: [] as number[], unresolved: [] as string[] };
  for (const p of svc.spec.ports ?? []) {
    let resolved: number | undefined;
    for (const pod of pods.length ? pods : [undefined]) {
      try {
        resolved = resolveTargetPort(p, pod);
        break;
      } catch {
        // a named port this pod lacks; try the next
      }
    }
    if (resolved === undefined) out.unresolved.push(String(p.targetPort));
    else (p.protocol === 'UDP' ? out.udp : out.tcp).push(resolved);
  }
  return out;
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
