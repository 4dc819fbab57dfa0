import { ErrorCode, UserError, type Logger } from '@ktctl/plugin-api';
import { HostsSync, parseDnsMode, startLocalDns, type DnsMode, type Upstream } from '@ktctl/dns';
import type { KubeClient, ShadowHandle } from '@ktctl/kube';
import type { NetSession } from '@ktctl/netplatform';
import type { MuxPool } from '@ktctl/tunnel';
import type { ConnectOptions } from './options.js';
import { serviceWatcher } from './service-watch.js';
import type { Teardown } from '@ktctl/plugin-api';

export interface DnsSetup {
  readonly mode: DnsMode;
  /** Where the local DNS server listens (localDNS and podDNS). */
  readonly server?: { host: string; port: number };
}

export interface DnsContext {
  readonly session: NetSession;
  readonly client: KubeClient;
  readonly shadow: ShadowHandle;
  readonly pool: MuxPool;
  readonly options: ConnectOptions;
  readonly logger: Logger;
  readonly teardown: Teardown;
}

/** `127.0.0.1`, `10.0.0.2:5353`, `[fd00::1]:53` → host and port. */
function upstream(text: string): Upstream {
  const match = /^\[(.+)\](?::(\d+))?$/.exec(text) ?? /^([^:]+)(?::(\d+))?$/.exec(text);
  return match ? { host: match[1]!, port: Number(match[2] ?? 53) } : { host: text, port: 53 };
}

/** The search list of a pod in the connect namespace, so short names and `svc.ns` work as inside. */
function clusterSearch(namespace: string, domain: string): string[] {
  return [`${namespace}.svc.${domain}`, `svc.${domain}`, domain];
}

/**
 * Points the laptop's resolver at cluster names per --dnsMode. localDNS: our server asks the cluster
 * (through the tunnel), then the original upstream. podDNS: the same server asks only the cluster, whose
 * DNS then answers every name, as inside a pod. hosts: Services are written to the hosts file.
 */
export async function configureDns(ctx: DnsContext): Promise<DnsSetup> {
  const mode = parseDnsMode(ctx.options.dnsMode);
  if (mode.kind === 'hosts') return startHostsMode(ctx, mode);
  const dns = ctx.session.dns;
  const originalSearch = await dns.originalSearchDomains();
  const upstreams = mode.kind === 'podDNS' ? [] : (await dns.originalNameservers()).map(upstream);
  const withPort = await dns.supportsPort();
  const port = localDnsPort(withPort, ctx.session.redirect !== undefined);
  const server = await startLocalDns({
    port,
    order: mode.kind === 'podDNS' ? ['cluster'] : mode.order,
    clusterDomain: ctx.options.clusterDomain,
    searchDomains: originalSearch,
    cacheTtl: ctx.options.dnsCacheTtl,
    upstreams,
    openClusterStream: () => ctx.pool.dial({ host: '127.0.0.1', port: 53 }),
    clusterUp: () => ctx.pool.status !== 'reconnecting' && ctx.pool.status !== 'failed',
    logger: ctx.logger,
  }).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    throw new UserError(ErrorCode.PortInUse, `Port ${port} (the local DNS server) is already in use`, {
      hint: 'Stop the DNS server that uses it, or pass --dnsMode hosts',
      cause: error,
    });
  });
  ctx.teardown.defer('local DNS server', () => server.close());
  ctx.pool.on('status', (status: string) => status === 'connected' && server.clearCache());
  const search = [...clusterSearch(ctx.client.namespace, ctx.options.clusterDomain), ...originalSearch];
  if (withPort) {
    await dns.apply({ nameservers: [`${server.host}:${server.port}`], searchDomains: search, routeDomains: [ctx.options.clusterDomain] });
  } else {
    await ctx.session.redirect?.redirectLoopbackDns(server.port);
    await dns.apply({ nameservers: ['127.0.0.1'], searchDomains: search, routeDomains: [ctx.options.clusterDomain] });
  }
  return { mode, server: { host: server.host, port: server.port } };
}

/**
 * The local DNS server's port: any free one when the resolver takes a port or the kernel can redirect
 * 127.0.0.1:53 to it; else 53 itself (Windows: netsh takes no port and there is no redirect).
 */
export function localDnsPort(resolverTakesPort: boolean, canRedirect: boolean): number {
  return resolverTakesPort || canRedirect ? 0 : 53;
}

async function startHostsMode(ctx: DnsContext, mode: Extract<DnsMode, { kind: 'hosts' }>): Promise<DnsSetup> {
  const sync = await HostsSync.start({
    namespaces: mode.namespaces,
    namespace: ctx.client.namespace,
    clusterDomain: ctx.options.clusterDomain,
    watchServices: serviceWatcher(ctx.client),
    setBlock: (entries) => ctx.session.hosts.setBlock(entries),
    logger: ctx.logger,
  });
  ctx.teardown.defer('hosts sync', () => sync.stop());
  return { mode };
}
