import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { ErrorCode, isUserError } from '@ktctl/plugin-api';
import type { KubeClient } from '../client.js';
import { clusterCidrs } from './group.js';

/** The connect flags that shape the routes. */
export interface DiscoverOptions {
  includeIps?: readonly string[];
  excludeIps?: readonly string[];
  disablePodIp?: boolean;
}

/** The result, with what it was derived from (for --debug and for tests). */
export interface DiscoveredCidrs {
  cidrs: string[];
  /** `cluster` when cluster-wide listing was allowed, else `namespace`. */
  serviceScope: 'cluster' | 'namespace';
  podScope: 'cluster' | 'namespace';
  serviceIps: string[];
  podIps: string[];
  apiServerIps: string[];
}

const PAGE = 500;
const MAX_PAGES = 40;

/** Cluster CIDRs per spec §6: from the Service ClusterIPs and Pod IPs the user can list, minus the API server. */
export async function discoverClusterCidrs(client: KubeClient, options: DiscoverOptions = {}): Promise<DiscoveredCidrs> {
  const services = await listScoped<{ spec?: { clusterIP?: string; clusterIPs?: string[] } }>(client, 'services');
  const pods = options.disablePodIp
    ? { scope: 'namespace' as const, items: [] }
    : await listScoped<{ status?: { podIP?: string; podIPs?: Array<{ ip: string }> }; spec?: { hostNetwork?: boolean } }>(client, 'pods');
  const serviceIps = services.items
    .flatMap((s) => s.spec?.clusterIPs ?? (s.spec?.clusterIP ? [s.spec.clusterIP] : []))
    .filter((ip) => isIP(ip));
  // Host-network pods carry node addresses, which must not be routed into the cluster.
  const podIps = pods.items
    .filter((p) => !p.spec?.hostNetwork)
    .flatMap((p) => p.status?.podIPs?.map((x) => x.ip) ?? (p.status?.podIP ? [p.status.podIP] : []));
  const apiServerIps = await apiServerAddresses(client.server.hostname);
  const cidrs = clusterCidrs({ serviceIps, podIps, apiServerIps, ...options });
  return { cidrs, serviceScope: services.scope, podScope: pods.scope, serviceIps, podIps, apiServerIps };
}

/** Lists cluster-wide, or in the client's namespace when cluster-wide listing is forbidden. */
async function listScoped<T>(client: KubeClient, resource: string): Promise<{ scope: 'cluster' | 'namespace'; items: T[] }> {
  try {
    return { scope: 'cluster', items: await listAll<T>(client, resource, undefined) };
  } catch (err) {
    if (!(isUserError(err) && err.code === ErrorCode.Forbidden)) throw err;
    return { scope: 'namespace', items: await listAll<T>(client, resource, client.namespace) };
  }
}

async function listAll<T>(client: KubeClient, resource: string, namespace: string | undefined): Promise<T[]> {
  const items: T[] = [];
  let token = '';
  for (let page = 0; page < MAX_PAGES; page++) {
    const query = `limit=${PAGE}${token ? `&continue=${encodeURIComponent(token)}` : ''}`;
    const list = await client.list<T>({ apiVersion: 'v1', resource, namespace }, query);
    items.push(...list.items);
    token = (list.metadata as { continue?: string } | undefined)?.continue ?? '';
    if (!token) break;
  }
  return items;
}

/** The API server host as addresses (a name is resolved; every address it has is kept out). */
async function apiServerAddresses(host: string): Promise<string[]> {
  const bare = host.replace(/^\[|\]$/g, '');
  if (isIP(bare)) return [bare];
  try {
    return (await lookup(bare, { all: true })).map((a) => a.address);
  } catch {
    return [];
  }
}
