import { connect } from 'node:net';
import type { AcceptConnection, RejectConnection, ServerChannel, TcpipRequestInfo } from 'ssh2';
import type { Log } from '../log.js';
import { joinChannel } from './pipe.js';

/** Milliseconds to wait for a cluster address to accept before refusing the channel. */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * A `direct-tcpip` channel: connect to the destination from inside the pod first, and only then accept the
 * channel, so the laptop's SOCKS client sees a refused or unreachable target as a failure, not as an
 * empty connection.
 */
export function openDirectTcpip(
  accept: AcceptConnection<ServerChannel>,
  reject: RejectConnection,
  info: TcpipRequestInfo,
  log: Log,
  track: (n: 1 | -1) => void,
): void {
  const target = `${info.destIP}:${info.destPort}`;
  // allowHalfOpen: a server's FIN must not end our side too; joinChannel passes ends on one way at a time.
  const socket = connect({ host: info.destIP, port: info.destPort, noDelay: true, allowHalfOpen: true });
  socket.setTimeout(CONNECT_TIMEOUT_MS, () => socket.destroy(new Error('connect timeout')));
  socket.once('error', (error) => {
    log.debug(`direct-tcpip ${target} failed: ${error.message}`);
    reject();
  });
  socket.once('connect', () => {
    socket.setTimeout(0);
    socket.removeAllListeners('error');
    const channel = accept();
    if (!channel) return void socket.destroy();
    track(1);
    log.debug(`direct-tcpip ${target} open`);
    joinChannel(channel, socket, () => track(-1));
  });
}
