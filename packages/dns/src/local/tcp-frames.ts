/** Prefixes a DNS message with its 2-byte length, as DNS over TCP carries it (RFC 1035 §4.2.2). */
export function frameMessage(message: Buffer): Buffer {
  if (message.length > 0xffff) throw new RangeError(`DNS message of ${message.length} bytes is too long for TCP`);
  const frame = Buffer.allocUnsafe(2 + message.length);
  frame.writeUInt16BE(message.length, 0);
  message.copy(frame, 2);
  return frame;
}

/** Splits a DNS-over-TCP byte stream back into messages, whatever the chunking. */
export class FrameReader {
  private buffered: Buffer = Buffer.alloc(0);

  /** Adds received bytes; returns the messages they complete, in order. */
  push(chunk: Buffer): Buffer[] {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const messages: Buffer[] = [];
    while (this.buffered.length >= 2) {
      const length = this.buffered.readUInt16BE(0);
      if (this.buffered.length < 2 + length) break;
      messages.push(this.buffered.subarray(2, 2 + length));
      this.buffered = this.buffered.subarray(2 + length);
    }
    return messages;
  }

  /** Bytes of an unfinished message. */
  get pending(): number {
    return this.buffered.length;
  }
}
