import { isIPv6, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import dns2, { type DnsHandler, type TCPServer, type UDPServer } from 'dns2';
import { ErrorCode, UserError, type Logger } from '@ktctl/plugin-api';
import type { Upstream } from '../upstream.js';
import { ClusterClient } from './cluster-client.js';
import { DEFAULT_DNS_ORDER, type DnsSource } from './dns-mode.js';
import { LocalResolver, type LocalDnsStats } from './local-resolver.js';
import { answerRequest } from '../respond.js';
import { askUpstreams, withoutSelf } from './upstreams.js';

export interface LocalDnsOptions {
  /** Address to listen on, UDP and TCP; loopback by default. */
  host?: string;
  /** Port to listen on; 0 picks a free one, the same for UDP and TCP. Default 53. */
  port?: number;
  /** `localDNS:<order>`; cluster first, then upstream by default. */
  order?: readonly DnsSource[];
  /** `--clusterDomain`; `cluster.local` by default. */
  clusterDomain?: string;
  /** The laptop's own search domains (also given to the agent as KT_LOCAL_DOMAINS). */
  searchDomains?: readonly string[];
  /** `--dnsCacheTtl` in seconds; 60 by default, 0 disables the cache. */
  cacheTtl?: number;
  /** The laptop's original nameservers, as they were before ktctl pointed the resolver here. */
  upstreams: readonly Upstream[];
  /** Opens a stream to the shadow agent's DNS server (TCP 53 in the pod), e.g. an SSH direct-tcpip channel. */
  openClusterStream: () => Promise<Duplex>;
  /** Milliseconds to wait for one cluster answer (2 500) and for each upstream try (1 500). */
  clusterTimeoutMs?: number;
  upstreamTimeoutMs?: number;
  /** After a cluster stream failed to open, cluster-only names get SERVFAIL at once for this long (1 000 ms). */
  clusterRetryAfterMs?: number;
  /** False while the tunnel is known to be down (e.g. `pool.status` is `reconnecting`): no stream is tried. */
  clusterUp?: () => boolean;
  logger?: Pick<Logger, 'debug' | 'warn'>;
}

/** Counters of the local DNS server and its cluster stream. */
export interface LocalDnsRunStats extends LocalDnsStats {
  clusterStreamsOpened: number;
  clusterConnected: boolean;
}

/** A running local DNS server. */
export interface LocalDns {
  readonly host: string;
  readonly port: number;
  stats(): LocalDnsRunStats;
  /** Forgets cached answers (after the tunnel came back to a new shadow pod). */
  clearCache(): void;
  close(): Promise<void>;
}

/** Starts the `localDNS` server on UDP and TCP; resolves once both listen. Throws KT_PORT_IN_USE. */
export async function startLocalDns(options: LocalDnsOptions): Promise<LocalDns> {
  const host = options.host ?? '127.0.0.1';
  const logger = options.logger;
  const cluster = clusterClient(options);
  const upstreams: Upstream[] = [...options.upstreams];
  const resolver = localResolver(options, cluster, upstreams);
  const handle: DnsHandler = (request, send) =>
    void answerRequest(
      request,
      (q) => resolver.resolve(q),
      logger,
      (r) => `${r.source}, `,
    )
      .then(send)
      .catch((error: Error) => logger?.warn(`dns: cannot send answer: ${error.message}`));
  const servers = await bindBoth(host, options.port ?? 53, handle, logger);
  // Only now is the port known; drop ourselves from the upstreams in place, the resolver holds the same array.
  upstreams.splice(0, upstreams.length, ...withoutSelf(upstreams, { host, port: servers.port }));
  logger?.debug(`dns: listening on ${host}:${servers.port}, upstreams ${upstreams.map((u) => `${u.host}:${u.port}`).join(' ') || 'none'}`);
  if (upstreams.length === 0) logger?.warn('dns: no upstream nameserver: only cluster names will resolve');
  return {
    host,
    port: servers.port,
    stats: () => ({ ...resolver.stats, clusterStreamsOpened: cluster.stats.streamsOpened, clusterConnected: cluster.stats.connected }),
    clearCache: () => resolver.clearCache(),
    close: async () => {
      cluster.close();
      await servers.close();
    },
  };
}

function clusterClient(options: LocalDnsOptions): ClusterClient {
  return new ClusterClient({
    openStream: options.openClusterStream,
    ...(options.clusterTimeoutMs !== undefined && { queryTimeoutMs: options.clusterTimeoutMs }),
    ...(options.clusterRetryAfterMs !== undefined && { retryAfterMs: options.clusterRetryAfterMs }),
    ...(options.clusterUp && { isUp: options.clusterUp }),
  });
}

function localResolver(options: LocalDnsOptions, cluster: ClusterClient, upstreams: readonly Upstream[]): LocalResolver {
  const upstreamOptions = { timeoutMs: options.upstreamTimeoutMs ?? 1_500, attempts: 2 };
  return new LocalResolver({
    order: options.order ?? DEFAULT_DNS_ORDER,
    clusterDomain: options.clusterDomain ?? 'cluster.local',
    searchDomains: options.searchDomains ?? [],
    cacheTtl: options.cacheTtl ?? 60,
    askCluster: (question) => cluster.query(question),
    askUpstream: (question) => askUpstreams(upstreams, question, upstreamOptions),
  });
}

interface Bound {
  port: number;
  /** Stops both servers; open TCP connections (a resolver may keep one) are cut, not waited for. */
  close(): Promise<void>;
}

/** Binds UDP, then TCP on the same port; with port 0, tries a few free UDP ports until TCP gets the same one. */
async function bindBoth(host: string, port: number, handle: DnsHandler, logger: LocalDnsOptions['logger']): Promise<Bound> {
  for (let attempt = 1; ; attempt++) {
    const udp = dns2.createUDPServer({ type: isIPv6(host) ? 'udp6' : 'udp4' });
    await listen((done) => (udp.once('error', done), udp.bind(port, host, () => done())), host, port);
    const bound = udp.address().port;
    const tcp = dns2.createTCPServer();
    try {
      await listen((done) => (tcp.once('error', done), tcp.listen(bound, host, () => done())), host, bound);
    } catch (error) {
      udp.close();
      if (port !== 0 || attempt >= 10) throw error;
      continue;
    }
    return serve(udp, tcp, handle, logger);
  }
}

function serve(udp: UDPServer, tcp: TCPServer, handle: DnsHandler, logger: LocalDnsOptions['logger']): Bound {
  const connections = new Set<Socket>();
  tcp.on('connection', (socket: Socket) => (connections.add(socket), socket.once('close', () => connections.delete(socket))));
  udp.on('request', handle).on('error', (error) => logger?.warn(`dns (udp): ${error.message}`));
  tcp.on('request', handle).on('error', (error) => logger?.warn(`dns (tcp): ${error.message}`));
  return {
    port: udp.address().port,
    close: async () => {
      const closed = Promise.all([
        new Promise<void>((resolve) => udp.close(() => resolve())),
        new Promise<void>((resolve) => tcp.close(() => resolve())),
      ]);
      for (const socket of connections) socket.destroy();
      await closed;
    },
  };
}

/** Runs one bind; EADDRINUSE becomes the user error KT_PORT_IN_USE. */
function listen(bind: (done: (error?: Error) => void) => void, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    bind((error) => {
      if (!error) return resolve();
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE')
        reject(
          new UserError(ErrorCode.PortInUse, `the local DNS port ${host}:${port} is in use`, {
            hint: 'stop what listens there, or pick another port',
            cause: error,
          }),
        );
      else if (code === 'EACCES')
        reject(
          new UserError(ErrorCode.NotRoot, `listening on ${host}:${port} needs root`, {
            hint: 'run with sudo, or use a port above 1023',
            cause: error,
          }),
        );
      else reject(error);
    });
  });
}
