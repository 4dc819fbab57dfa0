import { EventEmitter } from 'node:events';
import { connect as tcpConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@ktctl/plugin-api';
import { AGENT_MUX_PORT } from '@ktctl/agent-contract';
import { MuxTunnelSession } from '@ktctl/tunnel';

/** One exposed port: connections to `remote` on the shadow pod are carried to `localHost:local` on this machine. */
export interface PortMapping {
  readonly local: number;
  readonly remote: number;
}

/** What the reverse tunnel needs of a shadow: its private key and a port-forward to its mux port. */
export interface ReverseTunnelShadow {
  readonly privateKey: string;
  /** `ShadowHandle.forwarder(2222)` fits: each `connect()` is a fresh stream (retries recover the pod). */
  forwarder(port: number): { connect(): Promise<Duplex>; close(): void | Promise<void> };
}

/** `connecting` until every remote port is bound; `reconnecting` after a drop; `failed` after giving up. */
export type ReverseTunnelStatus = 'connecting' | 'connected' | 'reconnecting' | 'failed' | 'closed';

export interface ExposeOptions {
  readonly shadow: ReverseTunnelShadow;
  readonly ports: readonly PortMapping[];
  /** Where local connections go (default 127.0.0.1). */
  readonly localHost?: string;
  readonly logger?: Logger;
  /** Told each status change with a line for the user ("reconnecting…", then "connected"). */
  readonly onStatus?: (status: ReverseTunnelStatus, detail: string) => void;
  /** Give up (status `failed`) after this long without a working session (default 10 minutes). */
  readonly giveUpAfterMs?: number;
  /** The agent's mux port (default AGENT_MUX_PORT). */
  readonly muxPort?: number;
  readonly keepaliveIntervalMs?: number;
  readonly readyTimeoutMs?: number;
}

/** A running reverse tunnel. */
export interface ExposedPorts extends EventEmitter {
  readonly status: ReverseTunnelStatus;
  /** Connections being carried now. */
  readonly activeConnections: number;
  /**
   * Connects from inside the cluster (the shadow pod) to host:port and hangs up: true once that works.
   * A new Service answers only after kube-proxy has programmed it, which can lag behind its endpoints.
   */
  reachable(host: string, port: number): Promise<boolean>;
  /** Stops accepting, ends the tunnel session and the port-forward; open connections are cut. Idempotent. */
  close(): Promise<void>;
}

const BACKOFF_MS = [250, 500, 1000, 2000, 4000, 8000];

/**
 * The reverse tunnel of exchange, mesh and preview: one mux session to the shadow agent over its
 * port-forward, with a LISTEN of each remote port (the agent binds it on all pod interfaces);
 * every connection arriving there is piped to `localHost:local` here, with no-delay sockets, backpressure
 * and close propagated both ways. When the port-forward drops or the shadow pod restarts, the session is
 * re-established by itself (status `reconnecting`, then `connected`). A local port nobody listens on costs
 * that connection only: it is refused and a warning logged. Resolves once every port is bound (the first
 * attempt's failure rejects, so a broken start is reported rather than retried forever).
 */
export async function exposeLocalPorts(options: ExposeOptions): Promise<ExposedPorts> {
  const tunnel = new ReverseTunnel(options);
  await tunnel.start();
  return tunnel;
}

class ReverseTunnel extends EventEmitter implements ExposedPorts {
  private state: ReverseTunnelStatus = 'connecting';
  private session: MuxTunnelSession | undefined;
  private stopping = false;
  private connections = new Set<Socket>();
  private readonly forwarder: ReturnType<ReverseTunnelShadow['forwarder']>;
  private readonly byRemote: Map<number, PortMapping>;

  constructor(private readonly options: ExposeOptions) {
    super();
    this.forwarder = options.shadow.forwarder(options.muxPort ?? AGENT_MUX_PORT);
    this.byRemote = new Map(options.ports.map((p) => [p.remote, p]));
  }

  get status(): ReverseTunnelStatus {
    return this.state;
  }

  get activeConnections(): number {
    return this.connections.size;
  }

  async start(): Promise<void> {
    try {
      await this.openSession();
    } catch (error) {
      await this.close();
      throw error;
    }
    this.setStatus('connected', `cluster port${this.options.ports.length > 1 ? 's' : ''} ${this.describePorts()} → this machine`);
  }

  async reachable(host: string, port: number): Promise<boolean> {
    const session = this.session;
    if (!session) return false;
    try {
      const channel = await session.dial(host, port);
      channel.destroy();
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.session?.close();
    for (const socket of this.connections) socket.destroy();
    await this.forwarder.close();
    this.setStatus('closed', 'closed');
  }

  private describePorts(): string {
    const host = this.options.localHost ?? '127.0.0.1';
    return this.options.ports.map((p) => `${p.remote}→${host}:${p.local}`).join(', ');
  }

  /** One session: mux over a fresh port-forward stream, then every remote forward bound (again, after a drop). */
  private async openSession(): Promise<void> {
    const transport = await this.forwarder.connect();
    const session = await MuxTunnelSession.open({
      transport,
      privateKey: this.options.shadow.privateKey,
      keepaliveIntervalMs: this.options.keepaliveIntervalMs ?? 15_000,
      readyTimeoutMs: this.options.readyTimeoutMs ?? 20_000,
    });
    try {
      for (const port of this.options.ports) await session.forwardIn(port.remote);
    } catch (error) {
      session.close();
      throw error;
    }
    if (this.stopping) return void session.close();
    this.session = session;
    session.onForwarded((port, accept, reject) => this.onConnection(port, accept, reject));
    session.on('failure', (error: Error) => this.options.logger?.debug(`reverse tunnel: ${error.message}`));
    session.once('close', () => this.onLost(session));
  }

  /** The session is gone: reconnect with backoff until it works, the tunnel closes, or it gives up. */
  private onLost(session: MuxTunnelSession): void {
    if (this.session !== session || this.stopping) return;
    this.session = undefined;
    session.close();
    this.setStatus('reconnecting', 'reverse tunnel to the shadow pod lost; reconnecting…');
    void this.reconnect();
  }

  private async reconnect(): Promise<void> {
    const since = Date.now();
    for (let attempt = 0; !this.stopping; attempt++) {
      try {
        await this.openSession();
        if (!this.stopping) this.setStatus('connected', `reverse tunnel re-established (${this.describePorts()})`);
        return;
      } catch (error) {
        this.options.logger?.debug(`reverse tunnel: reconnect failed: ${(error as Error).message}`);
        if (Date.now() - since > (this.options.giveUpAfterMs ?? 600_000)) {
          this.setStatus('failed', `the reverse tunnel could not be re-established: ${(error as Error).message}`);
          return;
        }
        await sleep(BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)]!);
      }
    }
  }

  /** A cluster connection arrived on a remote port: open the local side first, so a dead port is refused. */
  private onConnection(remote: number, accept: () => Duplex, reject: () => void): void {
    const mapping = this.byRemote.get(remote);
    if (!mapping || this.stopping) return reject();
    const host = this.options.localHost ?? '127.0.0.1';
    const socket = tcpConnect({ host, port: mapping.local, noDelay: true });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      this.options.logger?.warn(
        `a connection to cluster port ${remote} could not reach ${host}:${mapping.local} here (${error.code ?? error.message}); is your program listening?`,
      );
      reject();
    });
    socket.once('connect', () => {
      socket.removeAllListeners('error');
      if (this.stopping) return void socket.destroy();
      this.connections.add(socket);
      socket.once('close', () => this.connections.delete(socket));
      joinStreams(accept(), socket, (error) => this.options.logger?.debug(`connection on port ${remote}: ${error.message}`));
    });
  }

  private setStatus(next: ReverseTunnelStatus, detail: string): void {
    if (next === this.state) return;
    this.state = next;
    this.options.onStatus?.(next, detail);
    this.emit('status', next, detail);
  }
}

/**
 * Pipes both ways with backpressure; an end is passed on as an end (half-close) after every byte before
 * it, an error cuts both. A socket that closes normally is not a reason to destroy the channel: a
 * destroy() resets the stream at once and drops what the window still holds (a large answer lost its tail).
 */
export function joinStreams(channel: Duplex, socket: Socket, onError: (error: Error) => void = () => undefined): void {
  channel.pipe(socket);
  socket.pipe(channel);
  const cut = (error: Error): void => {
    onError(error);
    channel.destroy();
    socket.destroy();
  };
  channel.once('error', cut);
  socket.once('error', cut);
  channel.once('close', () => socket.destroySoon());
}
