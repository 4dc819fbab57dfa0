// IP fragment reassembly (RFC 791 §3.2, RFC 8200 §4.5), bounded in datagrams, size and time: fragments
// of a datagram that does not complete within the timeout are dropped.
import type { StackClock } from './types.js';

const MAX_DATAGRAM = 65535;

interface Pending {
  pieces: { offset: number; data: Buffer }[];
  /** Payload length, known once the last fragment arrived. */
  total: number | undefined;
  bytes: number;
  timer: unknown;
}

export interface ReassemblyLimits {
  maxDatagrams: number;
  timeoutMs: number;
}

export class Reassembler {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly clock: StackClock,
    private readonly limits: ReassemblyLimits,
    private readonly onDrop: (reason: string) => void,
  ) {}

  /** Adds one fragment (copied); returns the whole payload once every byte arrived. */
  add(key: string, offset: number, more: boolean, data: Buffer): Buffer | undefined {
    if (offset + data.length > MAX_DATAGRAM || (more && data.length % 8 !== 0)) {
      this.discard(key, 'bad fragment');
      return undefined;
    }
    let entry = this.pending.get(key);
    if (!entry) {
      if (this.pending.size >= this.limits.maxDatagrams) {
        this.onDrop('too many datagrams in reassembly');
        return undefined;
      }
      entry = { pieces: [], total: undefined, bytes: 0, timer: undefined };
      entry.timer = this.clock.setTimeout(() => this.discard(key, 'reassembly timeout'), this.limits.timeoutMs);
      this.pending.set(key, entry);
    }
    if (!more) {
      if (entry.total !== undefined && entry.total !== offset + data.length) return this.discard(key, 'conflicting last fragments');
      entry.total = offset + data.length;
    }
    if (entry.bytes + data.length > 2 * MAX_DATAGRAM) return this.discard(key, 'too many fragment bytes');
    entry.pieces.push({ offset, data: Buffer.from(data) });
    entry.bytes += data.length;
    return this.complete(key, entry);
  }

  private complete(key: string, entry: Pending): Buffer | undefined {
    if (entry.total === undefined) return undefined;
    entry.pieces.sort((a, b) => a.offset - b.offset);
    let covered = 0;
    for (const piece of entry.pieces) {
      if (piece.offset > covered) return undefined;
      covered = Math.max(covered, piece.offset + piece.data.length);
    }
    if (covered < entry.total) return undefined;
    if (covered > entry.total) return this.discard(key, 'fragment beyond the end');
    const whole = Buffer.allocUnsafe(entry.total);
    for (const piece of entry.pieces) piece.data.copy(whole, piece.offset);
    this.clock.clearTimeout(entry.timer);
    this.pending.delete(key);
    return whole;
  }

  private discard(key: string, reason: string): undefined {
    const entry = this.pending.get(key);
    if (entry) {
      this.clock.clearTimeout(entry.timer);
      this.pending.delete(key);
    }
    this.onDrop(reason);
    return undefined;
  }

  clear(): void {
    for (const entry of this.pending.values()) this.clock.clearTimeout(entry.timer);
    this.pending.clear();
  }
}
