import { isIP } from 'node:net';
import type { HostsEntry, WatchedService } from './watched-service.js';

export interface HostsNaming {
  /** The connect namespace: only its Services also get the bare `svc` name. */
  namespace: string;
  /** `--clusterDomain`, e.g. `cluster.local`. */
  clusterDomain: string;
}

/** Why a Service got no entry, for a debug line. */
export interface SkippedService {
  service: string;
  reason: string;
}

/** The names hosts mode gives a Service: `svc` (connect namespace only), `svc.ns`, `svc.ns.svc.<domain>`. */
export function hostNames(service: Pick<WatchedService, 'name' | 'namespace'>, naming: HostsNaming): string[] {
  const domain = naming.clusterDomain.replace(/^\.+|\.+$/g, '');
  const names = [`${service.name}.${service.namespace}`, `${service.name}.${service.namespace}.svc.${domain}`];
  return service.namespace === naming.namespace ? [service.name, ...names] : names;
}

/**
 * The hosts entries for a set of Services, sorted so the block only changes when the Services do. A ClusterIP
 * Service maps to its ClusterIP; a headless one to each of its pod IPs, when known; ExternalName gets nothing.
 */
export function hostsEntries(
  services: Iterable<WatchedService>,
  naming: HostsNaming,
): { entries: HostsEntry[]; skipped: SkippedService[] } {
  const entries: HostsEntry[] = [];
  const skipped: SkippedService[] = [];
  for (const service of services) {
    const ips = addressesOf(service);
    if (typeof ips === 'string') skipped.push({ service: `${service.namespace}/${service.name}`, reason: ips });
    else for (const ip of ips) entries.push({ ip, names: hostNames(service, naming) });
  }
  entries.sort((a, b) => compare(a.names[0] ?? '', b.names[0] ?? '') || compare(a.ip, b.ip));
  return { entries, skipped };
}

/** The addresses a Service's names should point at, or why it has none. */
function addressesOf(service: WatchedService): string[] | string {
  if (service.type === 'ExternalName') return 'ExternalName Service (a CNAME, not an address)';
  if (!service.headless) return service.clusterIP && isIP(service.clusterIP) ? [service.clusterIP] : 'no ClusterIP yet';
  if (!service.endpoints) return 'headless Service and no endpoints from the watcher';
  const ips = [...new Set(service.endpoints.filter((ip) => isIP(ip)))];
  return ips.length > 0 ? ips : 'headless Service without ready pods';
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
