import type { Duplex } from 'node:stream';
import { encodeHeader } from './wire.js';

/** Tuning of the writer. */
export interface FrameWriterOptions {
  /** Largest single write to the transport; a port-forward makes each write one WebSocket message. */
  maxWriteBytes?: number;
  /** Queued bytes above which the writer reports itself congested (streams then hold their callbacks). */
  highWaterBytes?: number;
}

/**
 * Queues frames and writes everything queued in one event-loop turn as one `write()` of the transport,
 * after the turn (setImmediate), cut into writes of at most `maxWriteBytes`. Through a port-forward each
 * write is one WebSocket message through every Go hop, so fewer, larger writes are what makes it fast.
 * Stops while the transport's write() says false and goes on at 'drain'.
 */
export class FrameWriter {
  private queue: Buffer[] = [];
  private queued = 0;
  private scheduled = false;
  private blocked = false;
  private closed = false;
  private readonly waiting: Array<() => void> = [];
  private readonly maxWrite: number;
  private readonly highWater: number;
  /** Transport writes made, for tests and --debug. */
  writes = 0;

  constructor(
    private readonly transport: Duplex,
    options: FrameWriterOptions = {},
  ) {
    this.maxWrite = options.maxWriteBytes ?? 1 << 20;
    this.highWater = options.highWaterBytes ?? 4 << 20;
    transport.on('drain', () => {
      this.blocked = false;
      this.flush();
    });
  }

  /** Bytes queued and not yet handed to the transport. */
  get queuedBytes(): number {
    return this.queued;
  }

  /** True while more than the high-water mark is queued: senders that can wait should. */
  get congested(): boolean {
    return this.queued > this.highWater;
  }

  /** Queues one frame; the payload is not copied until the flush. */
  frame(type: number, flags: number, stream: number, payload?: Buffer): void {
    if (this.closed) return;
    const length = payload?.length ?? 0;
    this.queue.push(encodeHeader(type, flags, stream, length));
    if (payload && length > 0) this.queue.push(payload);
    this.queued += 10 + length;
    this.schedule();
  }

  /** Calls `resume` once the queue is below the high-water mark (at once if it is). */
  whenUncongested(resume: () => void): void {
    if (!this.congested || this.closed) return resume();
    this.waiting.push(resume);
  }

  /** Writes everything queued now, even past backpressure: the session is ending and this is its last word. */
  flushNow(): void {
    if (!this.transport.writable) return;
    while (this.queue.length > 0 && !this.closed) {
      this.writes++;
      this.transport.write(this.nextBatch());
    }
  }

  /** Drops everything queued; later frames are ignored. Waiting senders are released. */
  close(): void {
    this.closed = true;
    this.queue = [];
    this.queued = 0;
    this.release();
  }

  private schedule(): void {
    if (this.scheduled || this.blocked) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.queue.length > 0 && !this.blocked && !this.closed) {
      const batch = this.nextBatch();
      this.writes++;
      if (!this.transport.write(batch)) this.blocked = true;
    }
    this.release();
  }

  /** Up to maxWrite bytes off the queue; a big payload is split across writes, frames stay contiguous. */
  private nextBatch(): Buffer {
    const parts: Buffer[] = [];
    let size = 0;
    let used = 0;
    // One splice at the end, not a shift per piece: with a thousand streams the queue is long.
    while (used < this.queue.length && size < this.maxWrite) {
      const piece = this.queue[used]!;
      const room = this.maxWrite - size;
      if (piece.length <= room) {
        parts.push(piece);
        used++;
        size += piece.length;
      } else {
        parts.push(piece.subarray(0, room));
        this.queue[used] = piece.subarray(room);
        size += room;
      }
    }
    this.queue.splice(0, used);
    this.queued -= size;
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
  }

  private release(): void {
    while (this.waiting.length > 0 && (!this.congested || this.closed)) this.waiting.shift()!();
  }
}
