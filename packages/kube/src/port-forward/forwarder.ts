import { EventEmitter } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode, UserError, isUserError } from '@ktctl/plugin-api';
import type { KubeClient } from '../client.js';
import { assessPod, type PodView } from '../shadow/wait.js';
import { PortForwardError, openForwardStream, type ForwardTarget, type PortForwardStream, type StreamOptions } from './stream.js';

/** Where to forward: a fixed pod, or a resolver that yields the current pod (and may recreate it). */
export interface PortForwardTarget {
  namespace: string;
  port: number;
  /** The pod now; called again after a failure, e.g. `() => shadow.ensureReady()`. */
  pod: string | ((reason: 'initial' | 'retry') => Promise<string>);
}

/** The forwarder's health, for "reconnecting…" / "connected" lines. */
export type ForwardStatus =
  { state: 'connected'; pod: string } | { state: 'reconnecting'; reason: string; attempt: number } | { state: 'failed'; error: Error };

export interface PortForwarderOptions extends StreamOptions {
  /** Tries per connect() before giving up (each after re-resolving the pod); default 6. */
  maxAttempts?: number;
  /** First pause between tries, doubled each time up to 5 s; default 250 ms. */
  retryDelayMs?: number;
  onStatus?: (status: ForwardStatus) => void;
}

/** A local listener made by `listen()`. */
export interface LocalForward {
  readonly port: number;
  readonly host: string;
  close(): Promise<void>;
}

/**
 * Port-forward through the API server over WebSocket, one stream per connection. A failed open is
 * retried against a freshly resolved pod, and every drop of an established stream is reported, so a
 * dead tunnel is never silent.
 */
export class PortForwarder extends EventEmitter<{ status: [ForwardStatus] }> {
  private lastState: ForwardStatus['state'] | undefined;
  private closed = false;
  private probing: Promise<void> | undefined;
  private readonly live = new Set<PortForwardStream>();

  constructor(
    private readonly client: KubeClient,
    private readonly target: PortForwardTarget,
    private readonly options: PortForwarderOptions = {},
  ) {
    super();
  }

  /** A new forwarded connection as a Duplex stream (what the tunnel uses directly). */
  async connect(): Promise<PortForwardStream> {
    const attempts = this.options.maxAttempts ?? 6;
    let delay = this.options.retryDelayMs ?? 250;
    let lastError: Error | undefined;
    for (let attempt = 1; attempt <= attempts && !this.closed; attempt++) {
      try {
        const pod = await this.resolvePod(attempt === 1 && !lastError ? 'initial' : 'retry');
        const target = { namespace: this.target.namespace, pod, port: this.target.port };
        const stream = await openForwardStream(this.client.transport, target, {
          verifyRemoteClose: (t) => this.podGone(t),
          ...this.options,
        });
        this.track(stream);
        this.report({ state: 'connected', pod });
        return stream;
      } catch (err) {
        lastError = err as Error;
        if (isUserError(err) && err.code === ErrorCode.Forbidden) break;
        if (attempt === attempts) break;
        this.report({ state: 'reconnecting', reason: lastError.message, attempt });
        await sleep(delay);
        delay = Math.min(delay * 2, 5_000);
      }
    }
    const error = this.closed ? new Error('port-forward closed') : (lastError ?? new Error('port-forward failed'));
    this.report({ state: 'failed', error });
    throw error;
  }

  private async resolvePod(reason: 'initial' | 'retry'): Promise<string> {
    return typeof this.target.pod === 'string' ? this.target.pod : this.target.pod(reason);
  }

  /** Why a pod can no longer serve a forward (gone, terminating, not ready), or undefined if it is fine. */
  private async podGone(t: ForwardTarget): Promise<Error | undefined> {
    const pod = await this.client.find<PodView & { metadata: { deletionTimestamp?: string } }>({
      apiVersion: 'v1',
      resource: 'pods',
      namespace: t.namespace,
      name: t.pod,
    });
    if (!pod) return new PortForwardError(`port-forward to ${t.pod}:${t.port} lost: the pod is gone`);
    if (pod.metadata.deletionTimestamp) return new PortForwardError(`port-forward to ${t.pod}:${t.port} lost: the pod is terminating`);
    if (!assessPod(pod).ready) return new PortForwardError(`port-forward to ${t.pod}:${t.port} lost: the pod is not ready`);
    return undefined;
  }

  private track(stream: PortForwardStream): void {
    this.live.add(stream);
    stream.once('close', () => this.live.delete(stream));
    stream.once('error', (err) => {
      if (this.closed) return;
      this.report({ state: 'reconnecting', reason: err.message, attempt: 0 });
      this.probe();
    });
  }

  /**
   * After a drop, re-establishes in the background (one probe stream, closed at once) so the status comes
   * back to "connected" — and a lost shadow gets recreated — even when nothing else connects meanwhile.
   */
  private probe(): void {
    if (this.probing) return;
    this.probing = this.connect()
      .then((stream) => void stream.destroy())
      .catch(() => undefined)
      .finally(() => (this.probing = undefined));
  }

  private report(status: ForwardStatus): void {
    // Repeated "connected" lines for every new stream would be noise; state changes are what users need.
    if (status.state === 'connected' && this.lastState === 'connected') return;
    this.lastState = status.state;
    this.options.onStatus?.(status);
    this.emit('status', status);
  }

  /** A local TCP listener (port 0 picks one); each accepted connection gets its own stream. */
  async listen(port = 0, host = '127.0.0.1'): Promise<LocalForward> {
    const sockets = new Set<Socket>();
    const server = createServer({ noDelay: true }, (socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      void this.pipeSocket(socket);
    });
    await listenOn(server, port, host);
    const address = server.address();
    const bound = typeof address === 'object' && address ? address.port : port;
    return {
      port: bound,
      host,
      close: async () => {
        for (const s of sockets) s.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  }

  private async pipeSocket(socket: Socket): Promise<void> {
    socket.pause();
    let stream: PortForwardStream;
    try {
      stream = await this.connect();
    } catch {
      socket.destroy();
      return;
    }
    socket.pipe(stream);
    stream.pipe(socket);
    // pipe() does not pass errors on: a failed stream resets the local connection, and vice versa.
    stream.once('error', () => socket.destroy());
    socket.once('error', () => stream.destroy());
    socket.once('close', () => stream.destroy());
    stream.once('close', () => socket.end());
    socket.resume();
  }

  /** Ends every stream; later connect() calls fail. */
  close(): void {
    this.closed = true;
    for (const s of this.live) s.destroy();
  }
}

function listenOn(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE')
        reject(
          new UserError(ErrorCode.PortInUse, `Local port ${port} on ${host} is already in use`, {
            hint: 'Pick another port or stop what uses it',
          }),
        );
      else reject(err);
    });
    server.listen(port, host, () => resolve());
  });
}
