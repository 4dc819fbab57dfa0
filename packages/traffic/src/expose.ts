import { connect } from 'node:net';
import { ErrorCode, UsageError, UserError } from '@ktctl/plugin-api';
import { resolveTargetPort, type PodWithPorts, type ServiceView } from '@ktctl/kube';
import type { PortMapping } from './reverse-tunnel.js';

const TARGET_PORT_HINT = '--expose takes the Service TARGET ports (the ports your pods listen on), not the Service ports';

function port(text: string, whole: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 65535) throw new UsageError(`Invalid --expose "${whole}": "${text}" is not a port (1-65535)`, { code: ErrorCode.InvalidFlag, hint: 'Use port or local:remote, comma separated, e.g. --expose 8080 or --expose 3000:8080,9000' });
  return n;
}

/** `8080`, `3000:8080,9000` (or several flag values) → mappings; `port` means the same port on both sides. */
export function parseExpose(value: string | readonly string[] | undefined): PortMapping[] {
  const parts = (Array.isArray(value) ? value : [value ?? '']).flatMap((v: string) => v.split(',')).map((p) => p.trim()).filter(Boolean);
  if (!parts.length) throw new UsageError('--expose is required: which local ports receive the traffic', { code: ErrorCode.InvalidFlag, hint: `e.g. --expose 8080 or --expose 3000:8080; ${TARGET_PORT_HINT}` });
  const mappings = parts.map((part) => {
    const pieces = part.split(':');
    if (pieces.length > 2) throw new UsageError(`Invalid --expose "${part}": expected port or local:remote`, { code: ErrorCode.InvalidFlag });
    const [local, remote] = pieces.length === 2 ? [port(pieces[0]!, part), port(pieces[1]!, part)] : [port(part, part), port(part, part)];
    return { local, remote };
  });
  const seen = new Set<number>();
  for (const m of mappings) {
    if (seen.has(m.remote)) throw new UsageError(`Invalid --expose: remote port ${m.remote} is given twice`, { code: ErrorCode.InvalidFlag });
    seen.add(m.remote);
  }
  return mappings;
}

/** The Service's TCP target ports, named ones resolved through a pod (or a pod template) that has them. */
export function serviceTargetPorts(svc: ServiceView, pods: readonly PodWithPorts[]): { tcp: number[]; udp: number[]; unresolved: string[] } {
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
    if (targets.udp.includes(m.remote)) throw new UserError(ErrorCode.TargetPortNotFound, `Target port ${m.remote} of Service ${name} is UDP; exchange carries TCP only`, { hint: `Expose only its TCP target ports: ${targets.tcp.join(', ') || 'none'}` });
    const servicePort = (svc.spec.ports ?? []).find((p) => p.port === m.remote);
    const hint = servicePort && servicePort.targetPort !== undefined && String(servicePort.targetPort) !== String(m.remote) ? ` (${m.remote} is a Service port; its target port is ${servicePort.targetPort})` : '';
    throw new UserError(ErrorCode.TargetPortNotFound, `Port ${m.remote} is not a target port of Service ${name}${hint}; its TCP target ports are ${targets.tcp.join(', ') || 'none'}`, { hint: TARGET_PORT_HINT });
  }
}

/** Fails with KT_PORT_NOT_LISTENING for the first local port nothing listens on. */
export async function checkLocalPorts(mappings: readonly PortMapping[], host = '127.0.0.1', timeoutMs = 2000): Promise<void> {
  for (const m of mappings) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host, port: m.local });
      const done = (v: boolean): void => {
        s.destroy();
        resolve(v);
      };
      s.setTimeout(timeoutMs, () => done(false));
      s.once('connect', () => done(true));
      s.once('error', () => done(false));
    });
    if (!ok) {
      throw new UserError(ErrorCode.PortNotListening, `Nothing listens on local port ${m.local} (${host}), which should receive target port ${m.remote}`, { hint: 'Start your program first, or pass --skipPortChecking' });
    }
  }
}
