import { HEADER_BYTES, MuxProtocolError, maxPayload, type Frame } from './wire.js';

/**
 * Cuts a byte stream into frames, whatever the chunking. A header is checked (known type, length within
 * that type's bound) as soon as its 10 bytes are in, before any payload is waited for, so a garbage
 * length field can never make it buffer more than one largest frame. A payload that arrived inside one
 * chunk is handed out as a view of it, not copied.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
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

  /** The next `n` buffered bytes (n ≤ buffered): a view when they lie in one chunk, else one copy. */
  private take(n: number): Buffer {
    this.buffered -= n;
    const first = this.chunks[0];
    if (n === 0 || !first) return Buffer.alloc(0);
    if (first.length >= n) {
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.chunks[0]!;
      const part = Math.min(chunk.length, n - filled);
      chunk.copy(out, filled, 0, part);
      filled += part;
      if (part === chunk.length) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(part);
    }
    return out;
  }
}
