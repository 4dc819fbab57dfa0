import { Duplex } from 'node:stream';
import { codeName, ErrorCode, Flag, FrameType, socksReplyFor } from './wire.js';
import { encodeRefusal } from './payloads.js';
import type { FrameWriter } from './writer.js';

/** What a stream needs from its session. */
export interface StreamHost {
  readonly writer: FrameWriter;
  /** Largest DATA payload this side sends. */
  readonly maxFrameBytes: number;
  /** The stream is finished both ways or reset: forget its id. */
  forget(stream: MuxStream): void;
}

/** A stream that failed: the peer reset it, it was refused, or its session ended. */
export class MuxStreamError extends Error {
  override name = 'MuxStreamError';
  constructor(
    readonly code: number,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }

  /** The SOCKS5 reply for this failure, as @ktctl/tunnel's SSH dial errors carry one today. */
  get socksReply(): number {
    return socksReplyFor(this.code);
  }
}

interface PendingWrite {
  chunk: Buffer;
  callback: (error?: Error | null) => void;
}

/**
 * One multiplexed stream as a Duplex. Sending: DATA frames only within the credit the peer granted, so
 * `write()` returns false once credit (and the 64 KiB buffer) is used up, and goes on at WINDOW. Receiving:
 * credit is granted back only for bytes the consumer has actually taken out of the readable buffer, so
 * a reader that stops stalls this stream alone. Ends are half-closes (FIN); destroy() resets.
 */
export class MuxStream extends Duplex {
  private credit = 0;
  private pending: PendingWrite | undefined;
  private received = 0;
  private reported = 0;
  private finSent = false;
  private finReceived = false;
  private resetReceived = false;

  constructor(
    /** The stream id: odd when the client opened it, even when the server did. */
    readonly id: number,
    private readonly host: StreamHost,
    /** The receive window granted to the peer at open. */
    readonly window: number,
  ) {
    super({ allowHalfOpen: true, readableHighWaterMark: window, writableHighWaterMark: 64 * 1024 });
    // A reset can arrive in the same chunk as the open's OK, and its 'error' (emitted on nextTick) then
    // comes before the dial's awaiter could listen: without a listener that would crash the process. The
    // error is still emitted to every listener and kept in `errored`; 'close' always follows.
    this.on('error', () => undefined);
  }

  /** Bytes the peer allows us to send now. */
  get sendCredit(): number {
    return this.credit;
  }

  /** The peer allowed `bytes` more (its OpenReply/Open window, then WINDOW frames). */
  grantCredit(bytes: number): void {
    this.credit += bytes;
    this.pump();
  }

  /** A DATA frame arrived; false when it broke the window (the caller then resets the stream). */
  receiveData(payload: Buffer, fin: boolean): boolean {
    if (this.finReceived) return false;
    if (this.received + payload.length - this.reported > this.window) return false;
    this.received += payload.length;
    if (payload.length > 0) this.push(payload);
    if (fin) {
      this.finReceived = true;
      this.push(null);
      this.forgetIfDone();
    }
    return true;
  }

  /** The peer reset the stream. */
  receiveReset(code: number, reason: string): void {
    this.resetReceived = true;
    this.destroy(new MuxStreamError(code, `stream reset by the peer: ${codeName(code)}${reason ? ` (${reason})` : ''}`));
  }

  /** Resets with a code (flow-control violation, refusal) and destroys. */
  reset(code: number, message: string): void {
    if (!this.destroyed) this.host.writer.frame(FrameType.Reset, 0, this.id, encodeRefusal(code, message));
    this.resetReceived = true; // nothing more to send for this stream
    this.destroy(new MuxStreamError(code, message));
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.pending = { chunk, callback };
    this.pump();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.finSent = true;
    this.host.writer.frame(FrameType.Data, Flag.Fin, this.id);
    this.forgetIfDone();
    callback();
  }

  // Consumption is seen here, not only in _read: Node calls _read once per push, and a reader taking a
  // little at a time after a stall would otherwise never hand credit back (both sides waiting).
  override read(size?: number): any {
    const out: unknown = super.read(size);
    this.grantConsumed();
    return out;
  }

  override _read(): void {
    this.grantConsumed();
  }

  /** Sends WINDOW for the bytes the consumer has taken since the last grant. */
  private grantConsumed(): void {
    if (this.finReceived || this.destroyed) return;
    const consumed = this.received - this.readableLength;
    const grant = consumed - this.reported;
    // Grants in quarter windows: one frame per 256 KiB, not one per chunk read. This cannot stall: a peer
    // out of credit has sent a whole window, so once the reader empties the buffer the grant is a window.
    if (grant < this.window / 4) return;
    this.reported = consumed;
    const payload = Buffer.allocUnsafe(4);
    payload.writeUInt32BE(grant, 0);
    this.host.writer.frame(FrameType.Window, 0, this.id, payload);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.resetReceived && !(this.finSent && this.finReceived)) {
      this.host.writer.frame(FrameType.Reset, 0, this.id, encodeRefusal(ErrorCode.Cancel, error?.message ?? 'closed'));
    }
    this.pending = undefined;
    this.host.forget(this);
    callback(error);
  }

  /** Sends as much of the pending write as credit allows, in frames of at most maxFrameBytes. */
  private pump(): void {
    const pending = this.pending;
    if (!pending || this.destroyed) return;
    let chunk = pending.chunk;
    while (chunk.length > 0 && this.credit > 0) {
      const n = Math.min(chunk.length, this.credit, this.host.maxFrameBytes);
      this.host.writer.frame(FrameType.Data, 0, this.id, chunk.subarray(0, n));
      this.credit -= n;
      chunk = chunk.subarray(n);
    }
    pending.chunk = chunk;
    if (chunk.length > 0) return;
    this.pending = undefined;
    // Also wait for the transport: a fast writer must not queue without bound behind a slow link.
    this.host.writer.whenUncongested(() => pending.callback());
  }

  private forgetIfDone(): void {
    if (this.finSent && this.finReceived) this.host.forget(this);
  }
}
