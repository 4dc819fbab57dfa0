// Segments that arrived ahead of a hole, kept (copied) in sequence order until the hole is filled.

interface Piece {
  seq: number;
  data: Buffer;
  fin: boolean;
}

/** Segments that arrived ahead of a hole, in sequence order, bounded by the receive window. */
export class ReorderQueue {
  readonly pieces: Piece[] = [];
  bytes = 0;

  /** Keeps a copy of `data` starting at `seq` (an offset ahead of the next expected byte). */
  insert(seq: number, offset: number, data: Buffer, fin: boolean): void {
    const copy = Buffer.from(data);
    let i = this.pieces.length;
    while (i > 0 && this.offsetOf(this.pieces[i - 1]!, seq, offset) > offset) i--;
    const previous = this.pieces[i - 1];
    if (previous && previous.seq === seq && previous.data.length >= data.length) return; // a duplicate
    this.pieces.splice(i, 0, { seq, data: copy, fin });
    this.bytes += copy.length;
  }

  /** Offset of a stored piece relative to the expected byte, given a known (seq, offset) pair. */
  private offsetOf(piece: Piece, seq: number, offset: number): number {
    return ((piece.seq - seq) | 0) + offset;
  }

  /**
   * Up to `max` SACK blocks: the held ranges merged, the one holding `recent` first (RFC 2018 §4), then the
   * others in sequence order.
   */
  blocks(recent: number, max: number): [number, number][] {
    const ranges: [number, number][] = [];
    for (const piece of this.pieces) {
      const end = (piece.seq + piece.data.length) >>> 0;
      const last = ranges.at(-1);
      if (last && ((piece.seq - last[1]) | 0) <= 0) {
        if (((end - last[1]) | 0) > 0) last[1] = end;
      } else if (piece.data.length > 0) ranges.push([piece.seq, end]);
    }
    const first = ranges.findIndex(([start, end]) => ((recent - start) | 0) >= 0 && ((recent - end) | 0) < 0);
    if (first > 0) ranges.unshift(...ranges.splice(first, 1));
    return ranges.slice(0, max);
  }

  shift(): Piece | undefined {
    const piece = this.pieces.shift();
    if (piece) this.bytes -= piece.data.length;
    return piece;
  }

  clear(): void {
    this.pieces.length = 0;
    this.bytes = 0;
  }
}
