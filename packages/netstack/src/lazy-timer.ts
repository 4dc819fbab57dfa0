// A connection's one timer (accept, RTO, persist, TIME_WAIT). Re-arming it for later, as every ACK does, only
// moves a deadline: the underlying timer is replaced only when it must fire earlier, and a timer that fires
// before the deadline re-schedules itself for the rest.
import type { StackClock } from './types.js';

export class LazyTimer<Kind extends string> {
  kind: Kind | undefined;
  private deadline = 0;
  private handle: unknown;
  private handleAt = 0;

  constructor(
    private readonly clock: StackClock,
    private readonly onExpired: (kind: Kind) => void,
  ) {}

  /** Fires `kind` in `ms`, replacing whatever was set. */
  arm(kind: Kind, ms: number): void {
    this.kind = kind;
    this.deadline = this.clock.now() + ms;
    if (this.handle !== undefined && this.handleAt <= this.deadline) return;
    if (this.handle !== undefined) this.clock.clearTimeout(this.handle);
    this.schedule(ms);
  }

  /** Nothing fires (the underlying timer, if any, runs out unseen). */
  disarm(): void {
    this.kind = undefined;
    this.deadline = 0;
  }

  /** Disarms and clears the underlying timer. */
  stop(): void {
    this.disarm();
    if (this.handle !== undefined) this.clock.clearTimeout(this.handle);
    this.handle = undefined;
  }

  private schedule(ms: number): void {
    this.handleAt = this.clock.now() + ms;
    this.handle = this.clock.setTimeout(() => this.fired(), ms);
  }

  private fired(): void {
    this.handle = undefined;
    const kind = this.kind;
    if (kind === undefined) return;
    const left = this.deadline - this.clock.now();
    if (left > 0) return this.schedule(left);
    this.disarm();
    this.onExpired(kind);
  }
}
