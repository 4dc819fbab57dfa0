import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@ktctl/plugin-api';
import type { TunnelSession } from './tunnel-session.js';

/** `connected`: every session up; `degraded`: some up; `reconnecting`: none up; `closed`: stopped. */
export type TunnelStatus = 'connecting' | 'connected' | 'degraded' | 'reconnecting' | 'closed' | 'failed';

export interface SessionPoolOptions<S extends TunnelSession> {
  /** Opens a fresh transport to the agent's tunnel port; called for each session and each reconnect. */
  readonly openTransport: (slot: number) => Promise<Duplex>;
  /** Runs the tunnel handshake on a fresh transport. */
  readonly openSession: (transport: Duplex) => Promise<S>;
  /** Parallel sessions, each on its own transport, so one stream's window is not the cap. */
  readonly sessions?: number;
  readonly logger?: Logger;
  /** Give up (status `failed`) after this long with no session up. */
  readonly giveUpAfterMs?: number;
  /** How long `dial` waits for a session when none is up. */
  readonly dialWaitMs?: number;
}

const BACKOFF_MS = [250, 500, 1000, 2000, 4000, 8000];

/**
 * Several tunnel sessions to the shadow agent. New streams go to the least-loaded live session; a session
 * that drops is re-established by itself with backoff, and the pool reports its status as it changes.
 */
export class SessionPool<S extends TunnelSession> extends EventEmitter {
  protected readonly slots: (S | undefined)[];
  private state: TunnelStatus = 'connecting';
  private downSince = Date.now();
  private stopping = false;

  constructor(private readonly options: SessionPoolOptions<S>) {
    super();
    this.slots = Array.from({ length: Math.max(1, options.sessions ?? 2) });
  }

  get status(): TunnelStatus {
    return this.state;
  }

  /**
   * Opens the first session (failing fast if the agent is unreachable), then the others alongside each
   * other; a slot that fails now keeps retrying in the background. The status is reported after that, so
   * a start is never mistaken for a drop.
   */
  async start(): Promise<void> {
    this.slots[0] = await this.openSlot(0);
    const rest = this.slots.map((_, slot) => slot).slice(1);
    await Promise.all(
      rest.map((slot) =>
        this.openSlot(slot).then(
          (s) => (this.slots[slot] = s),
          () => void this.keepSlot(slot, 0),
        ),
      ),
    );
    this.updateStatus();
  }

  /** A stream to host:port in the cluster, dialled by the agent, over the least-loaded session. */
  dial(target: { host: string; port: number }): Promise<Awaited<ReturnType<S['dial']>>> {
    return this.onLiveSession((session) => session.dial(target.host, target.port) as Promise<Awaited<ReturnType<S['dial']>>>);
  }

  /** Runs `open` on a live session; if that session dies under it, once more on another. */
  protected async onLiveSession<T>(open: (session: S) => Promise<T>): Promise<T> {
    try {
      // Chosen and opened in one tick, so that concurrent calls see each other's load.
      return await open(this.leastLoaded() ?? (await this.waitForSession()));
    } catch (error) {
      if (!(error as { sessionLost?: boolean }).sessionLost) throw error;
      return open(this.leastLoaded() ?? (await this.waitForSession()));
    }
  }

  /** The live session with the fewest streams, if any is up. */
  leastLoaded(): S | undefined {
    const live = this.slots.filter((s): s is S => !!s?.isOpen);
    return live.length ? live.reduce((a, b) => (b.load < a.load ? b : a)) : undefined;
  }

  async close(): Promise<void> {
    this.stopping = true;
    for (const session of this.slots) session?.close();
    this.setStatus('closed');
  }

  protected async waitForSession(): Promise<S> {
    const deadline = Date.now() + (this.options.dialWaitMs ?? 15_000);
    for (;;) {
      const session = this.leastLoaded();
      if (session) return session;
      if (this.stopping || this.state === 'failed') throw new Error('the tunnel to the shadow pod is closed');
      if (Date.now() > deadline) throw new Error('the tunnel to the shadow pod is down (reconnecting)');
      await sleep(100);
    }
  }

  private async openSlot(slot: number): Promise<S> {
    const transport = await this.options.openTransport(slot);
    const session = await this.options.openSession(transport);
    session.on('failure', (error: Error) => this.options.logger?.debug(`tunnel session ${slot}: ${error.message}`));
    session.once('close', () => {
      this.slots[slot] = undefined;
      this.updateStatus();
      if (!this.stopping) void this.keepSlot(slot, 0);
    });
    return session;
  }

  /** Re-opens a slot until it is up, the pool stops, or the pool has been down too long. */
  private async keepSlot(slot: number, attempt: number): Promise<void> {
    while (!this.stopping && this.state !== 'failed') {
      try {
        this.slots[slot] = await this.openSlot(slot);
        this.updateStatus();
        return;
      } catch (error) {
        this.options.logger?.debug(`tunnel session ${slot} reconnect failed: ${(error as Error).message}`);
        if (this.slots.every((s) => !s) && Date.now() - this.downSince > (this.options.giveUpAfterMs ?? 600_000)) {
          this.setStatus('failed');
          return;
        }
        await sleep(BACKOFF_MS[Math.min(attempt++, BACKOFF_MS.length - 1)]!);
      }
    }
  }

  private updateStatus(): void {
    if (this.stopping) return;
    const up = this.slots.filter((s) => s?.isOpen).length;
    if (up === 0 && this.state !== 'reconnecting') this.downSince = Date.now();
    this.setStatus(up === this.slots.length ? 'connected' : up > 0 ? 'degraded' : 'reconnecting');
  }

  private setStatus(next: TunnelStatus): void {
    if (next === this.state) return;
    this.state = next;
    this.emit('status', next);
  }
}
