import { HEADER_BYTES, MuxProtocolError, maxPayload, type Frame } from './wire.js';

/**
 * Cuts a byte stream into frames, whatever the chunking. A header is checked (known type, length within
 * that type's bound) as soon as its 10 bytes are in, before any payload is waited for, so a garbage
 * length field can never make it buffer more than one largest frame. A payload that arrived inside one
 * chunk is handed out as a view of it, not copied.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private head = 0;
  private buffered = 0;
  private header: { type: number; flags: number; stream: number; length: number } | undefined;

  /** Bytes held, waiting for the rest of a frame; never more than a header plus one largest payload. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** Adds bytes and calls `onFrame` for each complete frame; throws MuxProtocolError for bad bytes. */
  push(chunk: Buffer, onFrame: (frame: Frame) => void): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    for (;;) {
      if (!this.header) {
        if (this.buffered < HEADER_BYTES) return;
        this.header = this.readHeader();
      }
      const { length } = this.header;
      if (this.buffered < length) return;
      const { type, flags, stream } = this.header;
      this.header = undefined;
      onFrame({ type, flags, stream, payload: this.take(length) });
    }
  }

  private readHeader(): { type: number; flags: number; stream: number; length: number } {
    const bytes = this.take(HEADER_BYTES);
    const type = bytes.readUInt8(0);
    const length = bytes.readUInt32BE(6);
    const max = maxPayload(type);
    if (max === undefined) throw new MuxProtocolError(`unknown frame type ${type}`);
    if (length > max) throw new MuxProtocolError(`frame of type ${type} announces ${length} bytes, more than ${max}`);
    return { type, flags: bytes.readUInt8(1), stream: bytes.readUInt32BE(2), length };
  }

  /**
   * The next `n` buffered bytes (n ≤ buffered): a view when they lie in one chunk, else one copy. Chunks
   * are consumed by index, not shift(): a peer trickling one-byte segments must not cost quadratic time.
   */
  private take(n: number): Buffer {
    this.buffered -= n;
    const first = this.chunks[this.head];
    if (n === 0 || !first) return Buffer.alloc(0);
    if (first.length >= n) {
      this.consume(first, n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    for (let filled = 0; filled < n; ) {
      const chunk = this.chunks[this.head]!;
      const part = Math.min(chunk.length, n - filled);
      chunk.copy(out, filled, 0, part);
      filled += part;
      this.consume(chunk, part);
    }
    return out;
  }

  private consume(chunk: Buffer, n: number): void {
    if (n < chunk.length) {
      this.chunks[this.head] = chunk.subarray(n);
      return;
    }
    this.head++;
    if (this.head === this.chunks.length) {
      this.chunks = [];
      this.head = 0;
    } else if (this.head >= 1024) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }
}
