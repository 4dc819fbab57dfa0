import ssh2 from 'ssh2';
import type { AuthContext, CipherAlgorithm, Connection, Session } from 'ssh2';
import { UDP_RELAY_SUBSYSTEM } from '@ktctl/agent-contract';
import type { Log } from '../log.js';
import { UdpRelaySession } from '../udp-relay/relay-session.js';
import { findKey, loadAuthorizedKeys } from './authorized-keys.js';
import { openDirectTcpip } from './direct-tcpip.js';
import { RemoteForwards } from './remote-forwards.js';

export interface SshServerOptions {
  hostKey: string | Buffer;
  authorizedKeysPath: string;
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
  udpFlowIdleMs: number;
  log: Log;
}

/** Counts the agent reports: live SSH connections and open forwarding channels. */
export interface SshStats {
  connections: number;
  channels: number;
}

/**
 * AES only. The agent runs without ssh2's native binding, so its chacha20-poly1305 is JavaScript: OpenSSH
 * (which lists chacha20 first) moved 177 MB/s through a loopback -L forward with it and 265 MB/s with
 * aes128-gcm, which Node's OpenSSL accelerates. Every OpenSSH and ssh2 client speaks these.
 */
const CIPHERS: CipherAlgorithm[] = ['aes128-gcm@openssh.com', 'aes256-gcm@openssh.com', 'aes128-ctr', 'aes192-ctr', 'aes256-ctr'];

/** The agent's SSH server: public-key logins, direct-tcpip, tcpip-forward and the UDP relay subsystem. */
export function createSshServer(options: SshServerOptions): { server: ssh2.Server; stats: SshStats; clients: Set<Connection> } {
  const stats: SshStats = { connections: 0, channels: 0 };
  const clients = new Set<Connection>();
  const config = {
    hostKeys: [options.hostKey],
    algorithms: { cipher: CIPHERS },
    keepaliveInterval: options.keepaliveIntervalMs,
    keepaliveCountMax: options.keepaliveCountMax,
    ident: 'ktctl-shadow',
  };
  const server = new ssh2.Server(config, (client, info) => {
    (client as Connection & { setNoDelay(on: boolean): void }).setNoDelay(true);
    clients.add(client);
    stats.connections++;
    const peer = `${info.ip}:${info.port}`;
    options.log.info(`ssh: connection from ${peer} (${info.header.versions.software})`);
    client.on('authentication', (ctx) => void authenticate(ctx, options));
    client.on('ready', () => serveClient(client, options, stats));
    client.on('error', (error: Error & { level?: string }) => {
      options.log.debug(`ssh: ${peer}: ${error.message}`);
      // ssh2 only ends the connection, which waits for a FIN a sleeping or vanished laptop never sends.
      if (error.level === 'client-timeout') rawSocket(client)?.destroy();
    });
    client.on('close', () => {
      clients.delete(client);
      stats.connections--;
      options.log.info(`ssh: ${peer} disconnected`);
    });
  });
  return { server, stats, clients };
}

/** The TCP socket under an ssh2 server connection (ssh2 keeps it as `_sock` and exposes no destroy). */
function rawSocket(client: Connection): { destroy(): void } | undefined {
  return (client as Connection & { _sock?: { destroy(): void } })._sock;
}

/** Public key only: a key query is answered for listed keys, a signature must verify. Nothing else is offered. */
async function authenticate(ctx: AuthContext, options: SshServerOptions): Promise<void> {
  if (ctx.method !== 'publickey') return ctx.reject(['publickey']);
  const key = findKey(await loadAuthorizedKeys(options.authorizedKeysPath), ctx.key.data);
  if (!key) {
    options.log.info(`ssh: rejected unknown ${ctx.key.algo} key for ${ctx.username}`);
    return ctx.reject(['publickey']);
  }
  if (!ctx.signature || !ctx.blob) return ctx.accept();
  if (key.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true) return ctx.accept();
  options.log.warn(`ssh: bad signature for ${ctx.username}`);
  ctx.reject(['publickey']);
}

function serveClient(client: Connection, options: SshServerOptions, stats: SshStats): void {
  const track = (n: 1 | -1): void => void (stats.channels += n);
  const forwards = new RemoteForwards(client, options.log, track);
  client.on('close', () => forwards.closeAll());
  client.on('tcpip', (accept, reject, info) => openDirectTcpip(accept, reject, info, options.log, track));
  client.on('request', (accept, reject, name, info) => {
    if (name === 'tcpip-forward' && 'bindPort' in info) {
      forwards.bind(info.bindAddr, info.bindPort).then(
        (port) => accept?.(port),
        (error: Error) => {
          options.log.warn(`ssh: cannot listen on port ${info.bindPort}: ${error.message}`);
          reject?.();
        },
      );
    } else if (name === 'cancel-tcpip-forward' && 'bindPort' in info) {
      if (forwards.cancel(info.bindPort)) accept?.();
      else reject?.();
    } else reject?.();
  });
  client.on('session', (accept) => serveSession(accept(), options));
}

/** Sessions exist only to carry the UDP relay subsystem; ssh2 refuses shell, exec and pty for lack of a handler. */
function serveSession(session: Session, options: SshServerOptions): void {
  session.on('subsystem', (accept, reject, info) => {
    if (info.name !== UDP_RELAY_SUBSYSTEM) return reject();
    new UdpRelaySession(accept(), options.log, { idleMs: options.udpFlowIdleMs });
  });
}
