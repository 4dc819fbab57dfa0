// What the laptop told us it holds beyond a hole (SACK blocks, RFC 2018), so that loss recovery resends
// each hole once per acknowledgement instead of one hole per round trip (after RFC 6675, simplified: the
// holes below the highest SACKed byte are taken as lost, in order).
import { seqDiff, seqGt, seqLeq, seqLt } from './seq.js';

export class Scoreboard {
  /** Disjoint SACKed ranges [start, end), in sequence order. */
  private ranges: [number, number][] = [];

  get empty(): boolean {
    return this.ranges.length === 0;
  }

  /** Adds the blocks of one ACK, keeping only what lies in (una, max]. */
  update(blocks: readonly (readonly [number, number])[], una: number, max: number): void {
    for (const [blockStart, blockEnd] of blocks) {
      const start = seqLt(blockStart, una) ? una : blockStart;
      const end = seqGt(blockEnd, max) ? max : blockEnd;
      if (seqLeq(end, start)) continue;
      this.insert(start, end, una);
    }
  }

  private insert(start: number, end: number, una: number): void {
    const merged: [number, number][] = [];
    let range: [number, number] = [start, end];
    let placed = false;
    for (const current of this.ranges) {
      if (seqLt(current[1], range[0])) merged.push(current);
      else if (seqLt(range[1], current[0])) {
        if (!placed) merged.push(range);
        placed = true;
        merged.push(current);
      } else {
        range = [seqLt(current[0], range[0]) ? current[0] : range[0], seqGt(current[1], range[1]) ? current[1] : range[1]];
      }
    }
    if (!placed) merged.push(range);
    merged.sort((a, b) => seqDiff(a[0], una) - seqDiff(b[0], una));
    this.ranges = merged;
  }

  /** Forgets what the cumulative acknowledgement `una` now covers. */
  advance(una: number): void {
    while (this.ranges.length > 0 && seqLeq(this.ranges[0]![1], una)) this.ranges.shift();
    const first = this.ranges[0];
    if (first && seqLt(first[0], una)) first[0] = una;
  }

  /** For logs. */
  describe(): string {
    return this.ranges.length === 0 ? 'nothing SACKed' : `SACKed ${this.ranges.map(([a, b]) => `${a}-${b}`).join(' ')}`;
  }

  clear(): void {
    this.ranges = [];
  }

  /** The end of the highest SACKed range. */
  get highest(): number | undefined {
    return this.ranges.at(-1)?.[1];
  }

  /** SACKed bytes below `seq`: they are no longer in flight. */
  sackedBelow(seq: number): number {
    let bytes = 0;
    for (const [start, end] of this.ranges) {
      if (seqLeq(seq, start)) break;
      bytes += seqDiff(seqLt(seq, end) ? seq : end, start);
    }
    return bytes;
  }

  /** If `seq` was SACKed: the end of its range. */
  sackedUpTo(seq: number): number | undefined {
    for (const [start, end] of this.ranges) if (seqLeq(start, seq) && seqLt(seq, end)) return end;
    return undefined;
  }

  /** The start of the first SACKed range after `seq`, if any. */
  nextSacked(seq: number): number | undefined {
    for (const [start] of this.ranges) if (seqGt(start, seq)) return start;
    return undefined;
  }

  /** The next hole at or after `from`, below the highest SACKed byte, as [start, length ≤ max]. */
  nextHole(from: number, max: number): [number, number] | undefined {
    let cursor = from;
    for (const [start, end] of this.ranges) {
      if (seqLeq(end, cursor)) continue;
      if (seqLt(cursor, start)) return [cursor, Math.min(max, seqDiff(start, cursor))];
      cursor = end;
    }
    return undefined;
  }
}
