import type { Readable } from 'node:stream';

/**
 * Reads a handshake off a socket piece by piece (exact byte counts, or up to a delimiter), then hands back
 * whatever arrived beyond it, so the rest of the stream can be piped untouched.
 */
export class ByteReader {
  private buffered: Buffer = Buffer.alloc(0);
  private ended = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly source: Readable) {
    source.on('data', this.onData);
    source.once('end', this.onEnd);
    source.once('error', this.onError);
  }

  /** Exactly `n` bytes; rejects if the stream ends first. */
  async read(n: number): Promise<Buffer> {
    await this.until(() => this.buffered.length >= n);
    const chunk = this.buffered.subarray(0, n);
    this.buffered = this.buffered.subarray(n);
    return chunk;
  }

  /** Bytes up to and including `delimiter`, at most `limit` bytes in all. */
  async readUntil(delimiter: string, limit: number): Promise<Buffer> {
    await this.until(() => this.buffered.includes(delimiter) || this.buffered.length > limit);
    const end = this.buffered.indexOf(delimiter);
    if (end < 0 || end + delimiter.length > limit) throw new Error(`no ${JSON.stringify(delimiter)} within ${limit} bytes`);
    return this.read(end + delimiter.length);
  }

  /** Stops reading and returns the bytes received beyond what was read; the stream is paused. */
  release(): Buffer {
    this.source.pause();
    this.source.off('data', this.onData);
    this.source.off('end', this.onEnd);
    this.source.off('error', this.onError);
    return this.buffered;
  }

  private async until(ready: () => boolean): Promise<void> {
    while (!ready()) {
      if (this.failure) throw this.failure;
      if (this.ended) throw new Error('connection closed during the handshake');
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private readonly onData = (chunk: Buffer): void => {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    this.notify();
  };

  private readonly onEnd = (): void => {
    this.ended = true;
    this.notify();
  };

  private readonly onError = (error: Error): void => {
    this.failure = error;
    this.notify();
  };

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
