import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';

/**
 * Joins an SSH channel and a TCP socket in both directions. `pipe` gives per-channel backpressure: a slow
 * reader fills only its own channel's window (ssh2 stops granting window while the socket buffer is full),
 * so other channels keep flowing and memory stays bounded. Either side closing tears down the other.
 */
export function joinChannel(channel: Duplex, socket: Socket, onClose: () => void = () => undefined): void {
  socket.setNoDelay(true);
  channel.pipe(socket);
  socket.pipe(channel);
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    socket.destroy();
    channel.destroy();
    onClose();
  };
  socket.on('error', close).on('close', close);
  channel.on('error', close).on('close', close);
}
