// The retransmission timeout estimator of RFC 6298, with exponential backoff.

/** Lower bound of the RTO. RFC 6298 asks for 1 s; like Linux we use 200 ms: the peer is one hop away. */
export const MIN_RTO_MS = 200;
export const MAX_RTO_MS = 60_000;
const INITIAL_RTO_MS = 1000;
const GRANULARITY_MS = 1;

export class RttEstimator {
  private srtt: number | undefined;
  private rttvar = 0;
  private base = INITIAL_RTO_MS;
  /** Consecutive timeouts without progress: doubles the RTO each time. */
  backoff = 0;

  /** Adds one round-trip measurement (Karn: only from segments that were never retransmitted). */
  sample(ms: number): void {
    const r = Math.max(ms, 0);
    if (this.srtt === undefined) {
      this.srtt = r;
      this.rttvar = r / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - r);
      this.srtt = 0.875 * this.srtt + 0.125 * r;
    }
    this.base = this.srtt + Math.max(GRANULARITY_MS, 4 * this.rttvar);
  }

  /** The timeout to arm now. */
  get rto(): number {
    return Math.min(MAX_RTO_MS, Math.max(MIN_RTO_MS, this.base) * 2 ** this.backoff);
  }

  get smoothed(): number | undefined {
    return this.srtt;
  }
}
