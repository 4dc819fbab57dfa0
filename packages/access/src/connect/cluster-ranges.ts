import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Logger } from '@ktctl/plugin-api';
import { discoverClusterCidrs, type KubeClient } from '@ktctl/kube';
import type { ConnectOptions } from './options.js';

/** What the laptop sends into the tunnel, and what it must never send there. */
export interface ClusterTargets {
  readonly cidrs: readonly string[];
  /** `--excludeIps` and the API server's address (the tunnel itself runs through it). */
  readonly excludes: readonly string[];
  readonly apiServer: string;
}

/** The API server's IP address (its kubeconfig URL may name a host). */
async function apiServerAddress(client: KubeClient): Promise<string> {
  const host = client.server.hostname.replace(/^\[|\]$/g, '');
  return isIP(host) ? host : (await lookup(host)).address;
}

/** Cluster CIDRs from what the user may list, with --includeIps/--excludeIps/--disablePodIp applied. */
export async function clusterTargets(client: KubeClient, options: ConnectOptions, logger: Logger): Promise<ClusterTargets> {
  const apiServer = await apiServerAddress(client);
  const discovered = await discoverClusterCidrs(client, {
    includeIps: options.includeIps,
    excludeIps: options.excludeIps,
    disablePodIp: options.disablePodIp,
  });
  if (discovered.serviceScope === 'namespace')
    logger.info(`You may not list Services cluster-wide: routing what namespace ${client.namespace} shows (add more with --includeIps)`);
  const hostRoute = apiServer.includes(':') ? `${apiServer}/128` : `${apiServer}/32`;
  return { cidrs: discovered.cidrs, excludes: [...options.excludeIps, hostRoute], apiServer };
}
