import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';

/** How long a socket may stay half-open after its channel closed before it is cut. */
const LINGER_MS = 10_000;

/**
 * Joins an SSH channel and a TCP socket in both directions. `pipe` gives per-channel backpressure: a slow
 * reader fills only its own channel's window (ssh2 stops granting window while the socket buffer is full),
 * so other channels keep flowing and memory stays bounded. Ends travel as half-closes (FIN ↔ EOF), after
 * every byte before them; only an error aborts the other side.
 */
export function joinChannel(channel: Duplex, socket: Socket, onClose: () => void = () => undefined): void {
  socket.setNoDelay(true);
  channel.pipe(socket);
  // Not `end`: on a server channel ssh2 turns end() into EOF *and* CLOSE, cutting the laptop's direction.
  socket.pipe(channel, { end: false });
  socket.once('end', () => sendEof(channel));
  socket.on('error', () => channel.destroy());
  channel.on('error', () => socket.destroy());
  channel.once('close', () => {
    socket.end();
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
    onClose();
  });
}

/** EOF once every byte written so far has gone out: an empty write's callback runs after all earlier ones. */
function sendEof(channel: Duplex): void {
  const eof = (channel as Duplex & { eof?: () => void }).eof;
  if (!eof) return void channel.end();
  channel.write(Buffer.alloc(0), () => eof.call(channel));
}
