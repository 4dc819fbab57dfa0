import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';

/** How long a socket may stay half-open after its channel closed before it is cut. */
const LINGER_MS = 10_000;

/**
 * Joins an SSH channel and a TCP socket in both directions. `pipe` gives per-channel backpressure: a slow
 * reader fills only its own channel's window (ssh2 stops granting window while the socket buffer is full),
 * so other channels keep flowing and memory stays bounded. A clean end on either side is passed on as an
 * end (EOF / FIN), never as a close, so bytes still waiting for window or in the socket buffer are
 * delivered; only an error aborts the other side.
 */
export function joinChannel(channel: Duplex, socket: Socket, onClose: () => void = () => undefined): void {
  socket.setNoDelay(true);
  channel.pipe(socket);
  socket.pipe(channel);
  socket.on('error', () => channel.destroy());
  channel.on('error', () => socket.destroy());
  channel.once('close', () => {
    socket.end();
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
    onClose();
  });
}
