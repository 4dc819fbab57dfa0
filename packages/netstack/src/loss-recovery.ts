// Loss recovery of the sending side: congestion control (NewReno) plus, when the laptop sends SACK blocks, a
// scoreboard that picks what to resend: each duplicate ACK resends the next hole, a lost resend of the first
// hole is resent once data sent after it is SACKed, and SACKed bytes leave the in-flight count.
import { NewReno } from './congestion.js';
import { Scoreboard } from './scoreboard.js';
import { seqAdd, seqDiff, seqGt, seqLt } from './seq.js';

/** The connection's sending side, as recovery sees it. */
export interface RecoverySender {
  /** Oldest unacknowledged sequence number (SND.UNA). */
  readonly una: number;
  /** Highest sequence number sent so far. */
  readonly max: number;
  /** Unacknowledged data bytes queued (FIN not counted). */
  readonly queued: number;
  /** Whether the FIN was sent and follows the first `length` unacknowledged bytes. */
  finFollows(length: number): boolean;
  /** Resends [seq, seq + length) (and the FIN after it) without moving what is sent next. */
  resend(seq: number, length: number, fin: boolean): void;
  /** Sends what the windows allow. */
  sendMore(): void;
}

export class LossRecovery {
  private readonly congestion: NewReno;
  private readonly scoreboard = new Scoreboard();
  /** In recovery, the end of what was resent from the holes so far. */
  private highRetransmitted = 0;
  /** `max` when the segment at `una` was last resent: SACKs beyond it mean that resend was lost too. */
  private firstResentAtMax: number | undefined;

  constructor(
    private readonly sender: RecoverySender,
    private readonly mss: number,
    windowLimit: number,
  ) {
    this.congestion = new NewReno(mss, windowLimit);
  }

  /** What may be in flight now (congestion window, limited transmit included). */
  get window(): number {
    return this.congestion.window;
  }

  /** Bytes sent below `next` and neither acknowledged nor SACKed (RFC 6675's "pipe", without lost holes). */
  inFlight(next: number): number {
    const sent = seqDiff(next, this.sender.una);
    return this.scoreboard.empty ? sent : sent - this.scoreboard.sackedBelow(next);
  }

  /** Going back after a timeout from `next`: where to jump over SACKed data, or how much may be sent. */
  goingBack(next: number): { skipTo?: number; atMost?: number } {
    if (!seqLt(next, this.sender.max) || this.scoreboard.empty) return {};
    const skipTo = this.scoreboard.sackedUpTo(next);
    if (skipTo !== undefined) return { skipTo };
    const sacked = this.scoreboard.nextSacked(next);
    return sacked === undefined ? {} : { atMost: seqDiff(sacked, next) };
  }

  /** The SACK blocks of an ACK of `ack`. */
  sacked(blocks: readonly (readonly [number, number])[], ack: number): void {
    if (seqGt(this.sender.max, ack)) this.scoreboard.update(blocks, ack, this.sender.max);
  }

  /** New data was acknowledged up to `ack` (sender.una already moved there). */
  acknowledged(ack: number, advanced: number): void {
    this.scoreboard.advance(ack);
    this.firstResentAtMax = undefined;
    if (this.congestion.acknowledged(ack, advanced, !this.scoreboard.empty) === 'retransmit-first') this.resendHole();
  }

  /** A duplicate ACK. */
  duplicate(): void {
    const { una, max } = this.sender;
    if (max === una) return;
    const sack = !this.scoreboard.empty;
    const action = this.congestion.duplicate(seqDiff(max, una), max, sack);
    if (action === 'retransmit-first') {
      this.highRetransmitted = una;
      this.resendHole();
      // New data too, as far as what is in flight allows: its SACKs will tell if the resend was lost.
      if (sack) this.sender.sendMore();
    } else if (action === 'send') {
      if (sack && this.congestion.inRecovery) this.resendHole(false);
      this.sender.sendMore();
    }
    this.resendLostFirst();
  }

  /** The retransmission timer expired (`retries` times in a row). */
  timedOut(retries: number): void {
    this.congestion.timedOut(seqDiff(this.sender.max, this.sender.una));
    // Keep the SACK information (as Linux does) unless timeouts repeat: the laptop may have dropped (reneged) it.
    if (retries > 1) this.scoreboard.clear();
  }

  /**
   * Resends the next hole the SACK blocks show, or, without them, the first unacknowledged segment
   * (NewReno). `orFirst` false: only a known hole.
   */
  private resendHole(orFirst = true): void {
    const { una } = this.sender;
    const from = seqGt(this.highRetransmitted, una) ? this.highRetransmitted : una;
    const hole = this.scoreboard.nextHole(from, this.mss);
    if (hole) {
      const [start, length] = hole;
      if (start === una) this.firstResentAtMax = this.sender.max;
      this.sender.resend(start, length, false);
      this.highRetransmitted = seqAdd(start, length);
    } else if (orFirst && this.scoreboard.empty) {
      this.resendFirst();
    }
  }

  private resendFirst(): void {
    const length = Math.min(this.mss, this.sender.queued, seqDiff(this.sender.max, this.sender.una));
    const fin = this.sender.finFollows(length);
    if (length === 0 && !fin) return;
    this.firstResentAtMax = this.sender.max;
    this.sender.resend(this.sender.una, length, fin);
  }

  /** Later data was SACKed, yet the resent first segment still is not acknowledged: resend it again. */
  private resendLostFirst(): void {
    const mark = this.firstResentAtMax;
    const highest = this.scoreboard.highest;
    if (mark === undefined || highest === undefined || !seqGt(highest, mark)) return;
    const { una } = this.sender;
    const sacked = this.scoreboard.nextSacked(una);
    const length = Math.min(this.mss, this.sender.queued, sacked === undefined ? this.mss : seqDiff(sacked, una));
    if (length <= 0) return;
    this.sender.resend(una, length, false);
    this.firstResentAtMax = this.sender.max;
  }

  /** For logs. */
  describe(): string {
    return `cwnd ${this.congestion.window}, ${this.congestion.inRecovery ? 'in recovery' : 'no recovery'}, ${this.scoreboard.describe()}`;
  }
}
