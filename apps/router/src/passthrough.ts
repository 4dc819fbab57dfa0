import { connect, type Socket } from 'node:net';
import type { Log } from './log.js';

/**
 * Splices a client connection to `host:port` untouched: `head` (bytes already read from the client) first,
 * then both directions with backpressure and half-close, so TLS and server-first protocols work.
 */
export function passThrough(client: Socket, head: Buffer, host: string, port: number, log: Log): void {
  const upstream = connect({ host, port, allowHalfOpen: true });
  upstream.setNoDelay(true);
  client.setNoDelay(true);
  if (head.length) upstream.write(head);
  splice(client, upstream, log, `${host}:${port}`);
}

/** Pipes two sockets both ways; an error or reset on either side destroys both. */
export function splice(a: Socket, b: Socket, log: Log, what: string): void {
  const fail = (error: Error): void => {
    log.debug(`passthrough ${what}: ${error.message}`);
    a.destroy();
    b.destroy();
  };
  a.on('error', fail);
  b.on('error', fail);
  a.on('close', () => b.destroy());
  b.on('close', () => a.destroy());
  a.pipe(b);
  b.pipe(a);
  a.resume();
}
