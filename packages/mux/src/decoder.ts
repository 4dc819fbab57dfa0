import { Flag, FrameType, HEADER_BYTES, MuxProtocolError, maxPayload, type Frame } from './wire.js';

/**
 * Cuts a byte stream into frames, whatever the chunking. A header is checked (known type, length within
 * that type's bound) as soon as its 10 bytes are in, before any payload is waited for, so a garbage
 * length field can never make it buffer more than one largest frame. A control payload that arrived
 * inside one chunk is handed out as a view of it, not copied.
 *
 * DATA payloads are not reassembled: each piece is handed on as it arrives (a view, never a copy), as a
 * DATA frame of its own with FIN only on the last piece. A relay then forwards bytes as they come
 * instead of storing a whole 256 KiB frame first, and holds no DATA payload at all.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private head = 0;
  private buffered = 0;
  private header: { type: number; flags: number; stream: number; length: number } | undefined;

  /** Bytes held, waiting for the rest of a frame; never more than a header plus one largest control payload. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** True while a frame has begun and not ended (a peer that stops now stopped mid-frame). */
  get midFrame(): boolean {
    return this.buffered > 0 || this.header !== undefined;
  }

  /** Adds bytes and calls `onFrame` for each complete frame (or DATA piece); throws MuxProtocolError for bad bytes. */
  push(chunk: Buffer, onFrame: (frame: Frame) => void): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    for (;;) {
      if (!this.header) {
        if (this.buffered < HEADER_BYTES) return;
        this.header = this.readHeader();
      }
      const header = this.header;
      if (header.type === FrameType.Data && header.length > 0) {
        if (this.buffered === 0) return;
        // The piece at hand, up to the end of its chunk: a view, whatever the chunking.
        const piece = this.take(Math.min(header.length, this.chunks[this.head]!.length));
        header.length -= piece.length;
        if (header.length === 0) this.header = undefined;
        onFrame({
          type: header.type,
          flags: header.length === 0 ? header.flags : header.flags & ~Flag.Fin,
          stream: header.stream,
          payload: piece,
        });
        continue;
      }
      if (this.buffered < header.length) return;
      this.header = undefined;
      onFrame({ type: header.type, flags: header.flags, stream: header.stream, payload: this.take(header.length) });
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
    for (let filled = 0; filled < n;) {
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
