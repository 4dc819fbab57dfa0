import type { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';

/**
 * One authenticated session to the shadow agent over one transport (a port-forward stream), as the pool
 * and the reverse tunnel use it; `MuxTunnelSession` (the data path) and `SshSession` (OpenSSH-compatible)
 * implement it. Events: 'close' once the session is out of service, 'failure' (Error) for the log.
 */
export interface TunnelSession extends EventEmitter {
  /** Streams open now (counted from the moment one is asked for, so concurrent dials spread). */
  readonly load: number;
  readonly isOpen: boolean;
  /**
   * A stream to host:port dialled by the agent. Rejects with `socksReply` set when the target refused or
   * was unreachable, or with `sessionLost: true` when the session died under the dial (retry elsewhere).
   */
  dial(host: string, port: number): Promise<Duplex>;
  /** The agent listens on `port` on every interface of the pod; connections go to onForwarded. */
  forwardIn(port: number): Promise<void>;
  /** Connections on ports bound with forwardIn: accept() gives the stream, reject() refuses it. */
  onForwarded(listener: (port: number, accept: () => Duplex, reject: () => void) => void): void;
  close(): void;
}

/** Marks an error as "the session is gone", so a pool retries the call on another session. */
export function sessionLost<E extends Error>(error: E): E & { sessionLost: true } {
  return Object.assign(error, { sessionLost: true as const });
}
