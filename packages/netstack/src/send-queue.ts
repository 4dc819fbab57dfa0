// The bytes a connection has been given to send and the laptop has not yet acknowledged, kept as the
// caller's chunks (no copy on write); segments are copied out of it straight into packets.

export class SendQueue {
  private readonly chunks: Buffer[] = [];
  /** Bytes of chunks[0] already acknowledged. */
  private head = 0;
  /** Where the last copy ended, so the next segment does not walk the queue from the front. */
  private cursorIndex = 0;
  private cursorStart = 0;
  bytes = 0;

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.bytes += chunk.length;
  }

  /** Drops `n` acknowledged bytes from the front. */
  consume(n: number): void {
    this.bytes -= n;
    let left = n + this.head;
    let removed = 0;
    let removedBytes = 0;
    while (this.chunks.length > 0 && left >= this.chunks[0]!.length) {
      const first = this.chunks.shift()!;
      left -= first.length;
      removed++;
      removedBytes += first.length;
    }
    this.head = left;
    this.cursorIndex -= removed;
    this.cursorStart -= removedBytes;
    if (this.cursorIndex < 0) { this.cursorIndex = 0; this.cursorStart = 0; }
  }

  /** Copies bytes [offset, offset + length) (counted from the first unacknowledged byte) into `out`. */
  copy(offset: number, length: number, out: Buffer, at: number): void {
    if (length <= 0) return;
    // Positions below are counted from the start of chunks[0], acknowledged part included.
    let position = offset + this.head;
    if (position < this.cursorStart) { this.cursorIndex = 0; this.cursorStart = 0; }
    let index = this.cursorIndex;
    let start = this.cursorStart;
    while (start + this.chunks[index]!.length <= position) { start += this.chunks[index]!.length; index++; }
    let left = length;
    while (left > 0) {
      const chunk = this.chunks[index]!;
      const from = position - start;
      const n = Math.min(chunk.length - from, left);
      chunk.copy(out, at, from, from + n);
      at += n;
      left -= n;
      position += n;
      if (from + n === chunk.length) { start += chunk.length; index++; }
    }
    if (index >= this.chunks.length) { index = this.chunks.length - 1; start -= this.chunks[index]?.length ?? 0; }
    this.cursorIndex = Math.max(0, index);
    this.cursorStart = Math.max(0, start);
  }
}

interface Piece { seq: number; data: Buffer; fin: boolean }

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
