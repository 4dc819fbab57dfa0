// Congestion control for the stack's sending side: slow start and congestion avoidance (RFC 5681), fast
// retransmit and NewReno recovery (RFC 6582). The TUN device's queue is the only bottleneck it guards.
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

  constructor(private readonly mss: number, private readonly limit: number) {
    this.cwnd = INITIAL_WINDOW_SEGMENTS * mss;
  }

  /** New data acknowledged up to `ack` (`advanced` bytes). */
  acknowledged(ack: number, advanced: number): CongestionAction {
    this.dupAcks = 0;
    if (this.recover !== undefined) {
      if (seqGeq(ack, this.recover)) {
        this.recover = undefined;
        this.cwnd = this.ssthresh;
        return undefined;
      }
      // A partial acknowledgement: the next hole is lost too.
      this.cwnd = Math.max(this.mss, this.cwnd - advanced + this.mss);
      return 'retransmit-first';
    }
    if (this.cwnd < this.ssthresh) this.cwnd += Math.min(advanced, 2 * this.mss);
    else this.cwnd += Math.max(1, Math.floor((this.mss * this.mss) / this.cwnd));
    this.cwnd = Math.min(this.cwnd, this.limit);
    return undefined;
  }

  /** A duplicate acknowledgement while `flight` bytes are outstanding, up to `sndMax`. */
  duplicate(flight: number, sndMax: number): CongestionAction {
    this.dupAcks++;
    if (this.dupAcks === 3 && this.recover === undefined) {
      this.ssthresh = Math.max(Math.floor(flight / 2), 2 * this.mss);
      this.recover = sndMax;
      this.cwnd = this.ssthresh + 3 * this.mss;
      return 'retransmit-first';
    }
    if (this.dupAcks > 3 && this.recover !== undefined) {
      this.cwnd += this.mss;
      return 'send';
    }
    return undefined;
  }

  /** The retransmission timer expired with `flight` bytes outstanding: start over from one segment. */
  timedOut(flight: number): void {
    this.ssthresh = Math.max(Math.floor(flight / 2), 2 * this.mss);
    this.cwnd = this.mss;
    this.recover = undefined;
    this.dupAcks = 0;
  }
}
