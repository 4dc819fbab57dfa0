import { ErrorCode, UserError, isUserError, type Logger } from '@ktctl/plugin-api';
import { AGENT_MUX_PORT } from '@ktctl/agent-contract';
import { PortForwarder, type KubeClient, type ShadowHandle } from '@ktctl/kube';
import { MuxPool, ProxyServer, type TunnelStatus } from '@ktctl/tunnel';
import type { ConnectEvent, ConnectOptions } from './options.js';
import { startDirectPath } from './direct/index.js';
import type { TunnelLink } from './tun2socks.js';
import { portInUse } from './platform-check.js';
import type { Teardown } from '@ktctl/plugin-api';

export interface TunnelParts {
  readonly pool: MuxPool;
  /** What carries laptop connections: the direct path where it applies (unless disabled), else the pool. */
  readonly link: TunnelLink;
  readonly proxy: ProxyServer;
  readonly proxyAddress: { host: string; port: number };
}

const STATUS_TEXT: Record<Exclude<TunnelStatus, 'connecting' | 'closed'>, string> = {
  connected: 'connected',
  degraded: 'some tunnel sessions dropped; re-establishing them (traffic continues on the others)',
  reconnecting: 'tunnel to the shadow pod lost; reconnecting…',
  failed: 'the tunnel could not be re-established; giving up',
};

/**
 * Mux sessions to the shadow agent (@ktctl/mux), each over its own port-forward to the agent's loopback
 * mux port (re-made on a restarted or recreated pod), and the local SOCKS5/HTTP proxy on top of them.
 */
export async function openTunnel(
  client: KubeClient,
  shadow: ShadowHandle,
  options: ConnectOptions,
  teardown: Teardown,
  hooks: { logger: Logger; onEvent: (e: ConnectEvent) => void; signal: AbortSignal },
): Promise<TunnelParts> {
  // Each mux session gets its own port-forward stream; after a failure the pod is looked up (and a
  // deleted bare shadow pod recreated) before the next try.
  const forwarder = new PortForwarder(
    client,
    {
      namespace: shadow.namespace,
      port: AGENT_MUX_PORT,
      pod: (reason) => (reason === 'initial' ? Promise.resolve(shadow.podName) : shadow.ensureReady(hooks.signal)),
    },
    { openTimeoutMs: options.portForwardTimeout * 1000 },
  );
  teardown.defer('port-forward', () => forwarder.close());
  const pool = new MuxPool({
    openTransport: () => forwarder.connect(),
    privateKey: shadow.privateKey,
    sessions: options.tunnelSessions,
    logger: hooks.logger,
  });
  pool.on('status', (status: TunnelStatus) => {
    if (status !== 'connecting' && status !== 'closed') hooks.onEvent({ kind: 'status', status, detail: STATUS_TEXT[status] });
  });
  await pool.start().catch((error: unknown) => {
    throw olderAgent(error, options);
  });
  teardown.defer('tunnel sessions', () => pool.close());
  const link = tunnelLink(client, pool, options, { teardown, logger: hooks.logger });
  const proxy = new ProxyServer({ host: options.proxyAddr, port: options.proxyPort, dial: (t) => link.dial(t), logger: hooks.logger });
  const bound = await proxy.listen().catch((error: unknown) => {
    throw portInUse(error, 'SOCKS5/HTTP proxy', options.proxyPort, '--proxyPort');
  });
  teardown.defer('local proxy', () => proxy.close());
  return { pool, link, proxy, proxyAddress: { host: bound.address, port: bound.port } };
}

/** Connections go direct to their pod where the endpoint is known and --disableDirectPath is not set. */
function tunnelLink(client: KubeClient, pool: MuxPool, options: ConnectOptions, ctx: { teardown: Teardown; logger: Logger }): TunnelLink {
  const viaShadow = (t: { host: string; port: number }) => pool.dial(t);
  const direct = options.disableDirectPath
    ? undefined
    : startDirectPath(client, client.namespace, viaShadow, { ...ctx, openTimeoutMs: options.portForwardTimeout * 1000 });
  if (direct)
    ctx.teardown.defer('direct path', () =>
      ctx.logger.debug(`direct path: ${direct.stats.direct} direct, ${direct.stats.fallbacks} via the shadow`),
    );
  return {
    get status() {
      return pool.status;
    },
    dial: direct ? (t) => direct.dial(t) : viaShadow,
    datagramChannel: () => pool.datagramChannel(),
  };
}

/**
 * An agent older than this ktctl (an --image override; the default tag is ktctl's version) has no mux
 * port, and the port-forward reports a refused connection: name the likely cause instead of a silent
 * fallback to SSH, which would hide a 2× slower data path.
 */
function olderAgent(error: unknown, options: ConnectOptions): unknown {
  const message = (error as Error).message ?? '';
  if (isUserError(error) || !/refused|mux handshake/i.test(message)) return error;
  return new UserError(ErrorCode.PodNotReady, `The shadow agent did not answer on its tunnel port ${AGENT_MUX_PORT} (${message})`, {
    hint: `Is ${options.image} older than this ktctl? Its agent must speak the mux tunnel: use the image of this ktctl version`,
    cause: error,
  });
}
