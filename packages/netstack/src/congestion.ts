// Congestion control for the stack's sending side: slow start and congestion avoidance (RFC 5681), fast
// retransmit, and recovery either NewReno style (RFC 6582: the window inflated by each duplicate ACK) or,
// when the laptop sends SACK blocks, RFC 6675 style (the window stays at ssthresh and the connection counts
// SACKed bytes out of what is in flight). The TUN device's queue is the only bottleneck it guards.
import { seqGeq } from './seq.js';

const INITIAL_WINDOW_SEGMENTS = 10;

/** What the connection should do after an acknowledgement. */
export type CongestionAction = 'retransmit-first' | 'send' | undefined;

export class NewReno {
  cwnd: number;
  private ssthresh = Number.MAX_SAFE_INTEGER;
  private dupAcks = 0;
  /** sndMax when recovery began; undefined outside recovery. */
  private recover: number | undefined;

  constructor(
    private readonly mss: number,
    private readonly limit: number,
  ) {
    this.cwnd = INITIAL_WINDOW_SEGMENTS * mss;
  }

  /**
   * What may be in flight: the congestion window, plus one segment for each of the first two duplicate ACKs
   * (limited transmit, RFC 3042), so that a loss near the end of a small window still gets its three.
   */
  get window(): number {
    return this.recover === undefined ? this.cwnd + Math.min(this.dupAcks, 2) * this.mss : this.cwnd;
  }

  get inRecovery(): boolean {
    return this.recover !== undefined;
  }

  /** New data acknowledged up to `ack` (`advanced` bytes). */
  acknowledged(ack: number, advanced: number, sack: boolean): CongestionAction {
    this.dupAcks = 0;
    if (this.recover !== undefined) {
      if (seqGeq(ack, this.recover)) {
        this.recover = undefined;
        this.cwnd = this.ssthresh;
        return undefined;
      }
      // A partial acknowledgement: the next hole is lost too.
      if (!sack) this.cwnd = Math.max(this.mss, this.cwnd - advanced + this.mss);
      return 'retransmit-first';
    }
    if (this.cwnd < this.ssthresh) this.cwnd += Math.min(advanced, 2 * this.mss);
    else this.cwnd += Math.max(1, Math.floor((this.mss * this.mss) / this.cwnd));
    this.cwnd = Math.min(this.cwnd, this.limit);
    return undefined;
  }

  /** A duplicate acknowledgement while `flight` bytes are outstanding, up to `sndMax`. */
  duplicate(flight: number, sndMax: number, sack: boolean): CongestionAction {
    this.dupAcks++;
    if (this.dupAcks === 3 && this.recover === undefined) {
      this.ssthresh = Math.max(Math.floor(flight / 2), 2 * this.mss);
      this.recover = sndMax;
      this.cwnd = this.ssthresh + (sack ? 0 : 3 * this.mss);
      return 'retransmit-first';
    }
    if (this.dupAcks > 3 && this.recover !== undefined) {
      if (!sack) this.cwnd += this.mss;
      return 'send';
    }
    return this.dupAcks < 3 ? 'send' : undefined;
  }

  /** The retransmission timer expired with `flight` bytes outstanding: start over from one segment. */
  timedOut(flight: number): void {
    this.ssthresh = Math.max(Math.floor(flight / 2), 2 * this.mss);
    this.cwnd = this.mss;
    this.recover = undefined;
    this.dupAcks = 0;
  }
}
