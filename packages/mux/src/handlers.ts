/**
 * The server's default ways to act on the laptop's requests: dial with net.connect, listen on all
 * interfaces, join a socket to a stream. The agent may swap any of them (MuxServerHandlers).
 */
import { connect, createServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { ErrorCode } from './wire.js';

/** A dial or listen that failed, with the mux code to answer with. */
export class HandlerError extends Error {
  override name = 'HandlerError';
  constructor(
    readonly code: number,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A listener started for the laptop. */
export interface Listener {
  readonly port: number;
  close(): void;
}

/** How long a dial may take before the laptop is told "timeout". */
const DIAL_TIMEOUT_MS = 10_000;
/** How long a socket may stay half-open after its stream went away before it is cut. */
const LINGER_MS = 10_000;

/** The mux code for a socket error: refused, unreachable or timeout where the errno says so. */
export function codeForSocketError(error: NodeJS.ErrnoException): number {
  switch (error.code) {
    case 'ECONNREFUSED':
      return ErrorCode.Refused;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return ErrorCode.Unreachable;
    case 'ETIMEDOUT':
      return ErrorCode.Timeout;
    case 'EADDRINUSE':
      return ErrorCode.AddressInUse;
    case 'EACCES':
    case 'EPERM':
      return ErrorCode.Denied;
    default:
      return ErrorCode.Internal;
  }
}

/** Connects to host:port with Nagle off (small writes must not wait) and half-close allowed. */
export function dialTcp(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, noDelay: true, allowHalfOpen: true });
    socket.setTimeout(DIAL_TIMEOUT_MS, () => socket.destroy(Object.assign(new Error('connect timed out'), { code: 'ETIMEDOUT' })));
    socket.once('error', (error: NodeJS.ErrnoException) =>
      reject(new HandlerError(codeForSocketError(error), error.message, { cause: error })),
    );
    socket.once('connect', () => {
      socket.setTimeout(0);
      socket.removeAllListeners('error');
      resolve(socket);
    });
  });
}

/** Listens on `port` on every interface (0.0.0.0: other pods must reach it); each connection arrives paused. */
export function listenTcp(port: number, onConnection: (socket: Socket) => void): Promise<Listener> {
  const server = createServer({ noDelay: true, pauseOnConnect: true, allowHalfOpen: true }, onConnection);
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new HandlerError(codeForSocketError(error), error.message, { cause: error })),
    );
    server.listen({ port, host: '0.0.0.0' }, () => {
      server.removeAllListeners('error');
      server.on('error', () => undefined);
      const address = server.address();
      resolve({ port: typeof address === 'object' && address ? address.port : port, close: () => server.close() });
    });
  });
}

/**
 * Joins a stream and a socket both ways with pipe (backpressure per stream: a full socket stops reading
 * the stream, which stops granting credit). FINs pass through as half-closes; an error either side
 * aborts the other (a socket's clean close waits for the stream, which may still owe data held for credit).
 */
export function join(stream: Duplex, socket: Duplex): void {
  (socket as Partial<Socket>).setNoDelay?.(true);
  socket.pipe(stream);
  stream.pipe(socket);
  socket.on('error', (error) => stream.destroy(error));
  stream.on('error', () => socket.destroy());
  stream.once('close', () => {
    if (socket.destroyed) return;
    socket.end();
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  });
  socket.resume();
}
