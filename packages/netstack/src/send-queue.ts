// The bytes a connection has been given to send and the laptop has not yet acknowledged, kept as the
// caller's chunks (no copy on write); segments are copied out of it straight into packets. Small writes are
// the exception: they are copied together into shared 16 KiB buffers, so that a stream of tiny writes costs
// neither one array entry (and one Buffer object) per byte nor a walk over thousands of chunks per segment.

const COALESCE_BELOW = 2048;
const TAIL_SIZE = 16 * 1024;

export class SendQueue {
  /** The buffer small writes are copied into, how much of it is used, and the queue entry viewing it. */
  private tailBacking: Buffer | undefined;
  private tailUsed = 0;
  private tailStart = 0;
  private tailView: Buffer | undefined;
  private readonly chunks: Buffer[] = [];
  /** Bytes of chunks[0] already acknowledged. */
  private head = 0;
  /** Where the last copy ended, so the next segment does not walk the queue from the front. */
  private cursorIndex = 0;
  private cursorStart = 0;
  bytes = 0;

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.bytes += chunk.length;
    if (chunk.length >= COALESCE_BELOW) {
      this.chunks.push(chunk);
      return;
    }
    const last = this.chunks.length - 1;
    const extend = last >= 0 && this.chunks[last] === this.tailView && this.tailUsed + chunk.length <= TAIL_SIZE;
    if (!extend) {
      if (!this.tailBacking || this.tailUsed + chunk.length > TAIL_SIZE) {
        this.tailBacking = Buffer.allocUnsafe(TAIL_SIZE);
        this.tailUsed = 0;
      }
      this.tailStart = this.tailUsed;
    }
    chunk.copy(this.tailBacking!, this.tailUsed);
    this.tailUsed += chunk.length;
    this.tailView = this.tailBacking!.subarray(this.tailStart, this.tailUsed);
    if (extend) this.chunks[last] = this.tailView;
    else this.chunks.push(this.tailView);
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
    if (this.cursorIndex < 0) {
      this.cursorIndex = 0;
      this.cursorStart = 0;
    }
  }

  /** Copies bytes [offset, offset + length) (counted from the first unacknowledged byte) into `out`. */
  copy(offset: number, length: number, out: Buffer, at: number): void {
    if (length <= 0) return;
    // Positions below are counted from the start of chunks[0], acknowledged part included.
    let position = offset + this.head;
    if (position < this.cursorStart) {
      this.cursorIndex = 0;
      this.cursorStart = 0;
    }
    let index = this.cursorIndex;
    let start = this.cursorStart;
    while (start + this.chunks[index]!.length <= position) {
      start += this.chunks[index]!.length;
      index++;
    }
    let left = length;
    while (left > 0) {
      const chunk = this.chunks[index]!;
      const from = position - start;
      const n = Math.min(chunk.length - from, left);
      chunk.copy(out, at, from, from + n);
      at += n;
      left -= n;
      position += n;
      if (from + n === chunk.length) {
        start += chunk.length;
        index++;
      }
    }
    if (index >= this.chunks.length) {
      index = this.chunks.length - 1;
      start -= this.chunks[index]?.length ?? 0;
    }
    this.cursorIndex = Math.max(0, index);
    this.cursorStart = Math.max(0, start);
  }
}
