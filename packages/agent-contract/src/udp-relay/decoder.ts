import { decodeFrameBody, type RelayFrame } from './frame.js';

/**
 * Reassembles frames from a byte stream: SSH delivers channel data in chunks that need not line up with
 * frame boundaries. Holds at most one incomplete frame (< 64 KiB), so memory stays bounded.
 */
export class FrameDecoder {
  private pending: Buffer = Buffer.alloc(0);

  /** Adds bytes and returns every frame they complete; throws FrameError on a malformed frame. */
  push(chunk: Buffer): RelayFrame[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: RelayFrame[] = [];
    let at = 0;
    while (this.pending.length - at >= 2) {
      const length = this.pending.readUInt16BE(at);
      if (this.pending.length - at - 2 < length) break;
      // Copy the body out so a retained payload does not pin the whole chunk it arrived in.
      frames.push(decodeFrameBody(Buffer.from(this.pending.subarray(at + 2, at + 2 + length))));
      at += 2 + length;
    }
    this.pending = at === 0 ? this.pending : this.pending.subarray(at);
    return frames;
  }

  /** Bytes of an incomplete frame still waiting for the rest. */
  get buffered(): number {
    return this.pending.length;
  }
}
