import { ErrorCode, UsageError, UserError } from '@ktctl/plugin-api';
import type { ServicePortView, ServiceView } from '@ktctl/kube';

/** `8080` or `8080:80` as given on the command line: either side may be missing. */
export interface PortPair {
  local?: number;
  remote?: number;
}

/** A TCP/UDP port number, or a usage error naming what was wrong. */
export function parsePort(text: string, what: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 65535)
    throw new UsageError(`Invalid ${what} "${text}": expected a port number 1-65535`, { code: ErrorCode.InvalidFlag });
  return n;
}

/** `local`, `local:remote` or `:remote` → the numbers given. */
export function parsePortPair(text: string | undefined): PortPair {
  if (text === undefined || text === '') return {};
  const parts = text.split(':');
  if (parts.length > 2)
    throw new UsageError(`Invalid port "${text}": expected <local> or <local>:<remote>`, { code: ErrorCode.InvalidFlag });
  const [local, remote] = parts;
  return {
    ...(local ? { local: parsePort(local, 'local port') } : {}),
    ...(remote !== undefined ? { remote: parsePort(remote, 'remote port') } : {}),
  };
}

/** `80 (http → target http)` for prompts and errors. */
export function describeServicePort(p: ServicePortView): string {
  const t = p.targetPort === undefined ? undefined : String(p.targetPort);
  const target = t !== undefined && t !== String(p.port) && t !== p.name ? ` → target ${t}` : '';
  const proto = (p.protocol ?? 'TCP') === 'TCP' ? '' : `/${p.protocol}`;
  return `${p.port}${proto}${p.name ? ` (${p.name}${target})` : target ? ` (${target.slice(3)})` : ''}`;
}

/** The Service's ports a port-forward can carry (TCP only: the API server's port-forward has no UDP). */
export function forwardablePorts(svc: ServiceView): ServicePortView[] {
  return (svc.spec.ports ?? []).filter((p) => (p.protocol ?? 'TCP') === 'TCP');
}

/**
 * The Service port a forward goes to: the one asked for (a Service port, or failing that a numeric target
 * port), the only TCP port, or — when there are several and none was asked for — `undefined`, so the
 * caller asks the user (TTY) or fails listing them.
 */
export function pickServicePort(svc: ServiceView, remote?: number): ServicePortView | undefined {
  const name = svc.metadata.name;
  const tcp = forwardablePorts(svc);
  if (remote === undefined) {
    if (tcp.length === 0)
      throw new UserError(ErrorCode.TargetPortNotFound, `Service ${name} has no TCP port to forward to`, {
        hint: 'Port-forwarding carries TCP only; add a TCP port to the Service',
      });
    return tcp.length === 1 ? tcp[0] : undefined;
  }
  const found = tcp.find((p) => p.port === remote) ?? tcp.find((p) => Number(p.targetPort) === remote);
  if (found) return found;
  const udp = (svc.spec.ports ?? []).some((p) => p.port === remote);
  throw new UserError(
    ErrorCode.TargetPortNotFound,
    udp
      ? `Port ${remote} of Service ${name} is UDP; port-forwarding carries TCP only`
      : `Service ${name} has no port ${remote}; its ports: ${tcp.map(describeServicePort).join(', ')}`,
    {
      hint: `Give one of the Service's ports: ktctl forward ${name} <local>:<port>`,
    },
  );
}

/** A local port a user can listen on without root: 80 → 8080. */
export function userPort(port: number): number {
  return port < 1024 ? port + 8000 : port;
}

/** The one-line error when a Service has several ports, none was given and nobody can be asked. */
export function severalPortsError(svc: ServiceView): UsageError {
  const name = svc.metadata.name;
  const ports = forwardablePorts(svc);
  return new UsageError(`Service ${name} has ${ports.length} ports: ${ports.map(describeServicePort).join(', ')}; say which one`, {
    code: ErrorCode.Usage,
    hint: `ktctl forward ${name} <local>:<port>, e.g. ktctl forward ${name} ${userPort(ports[0]!.port)}:${ports[0]!.port}`,
  });
}
