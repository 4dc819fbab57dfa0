import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { FrameDecoder } from './decoder.js';
import { decodeRefusal, encodeRefusal } from './payloads.js';
import { MuxStream, MuxStreamError, type StreamHost } from './stream.js';
import { codeName, ErrorCode, Flag, FrameType, MAX_DATA_PAYLOAD, MuxProtocolError, type Frame } from './wire.js';
import { FrameWriter, type FrameWriterOptions } from './writer.js';

/** The receive window each stream is granted by default (see MuxSessionOptions.streamWindow). */
export const DEFAULT_STREAM_WINDOW = 8 << 20;

/** Tuning shared by both ends. */
export interface MuxSessionOptions extends FrameWriterOptions {
  /**
   * Receive window granted to the peer for each stream, bytes (default 8 MiB). A stream moves at most one
   * window per round trip, and under load the round trip through apiserver, kubelet and runtime is tens
   * of ms: with 1 MiB the reverse path carried 20 MB/s where kubectl's upload made 66 (a window is
   * credit, not memory: only a stalled reader holds that much).
   */
  streamWindow?: number;
  /** Largest DATA payload sent (default 256 KiB; at most MAX_DATA_PAYLOAD). */
  maxFrameBytes?: number;
  /** A ping is sent when nothing came in for this long (default 15 s). */
  keepaliveIntervalMs?: number;
  /** The session ends when nothing at all came in for this long (default 60 s). */
  keepaliveTimeoutMs?: number;
}

/** Why a session ended: a local close(), the peer's GoAway, a protocol error, or the transport. */
export class MuxSessionError extends Error {
  override name = 'MuxSessionError';
  constructor(
    readonly code: number,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * What client and server share: the transport, framing, streams, keepalive and the end. A subclass takes
 * the handshake frames and the frames of its own direction (`handleFrame`). Nothing thrown while a frame
 * is handled escapes an event handler: it ends the session with a GoAway naming the reason.
 * Events: 'close' (error | undefined) once, when the session is over.
 */
export abstract class MuxSession extends EventEmitter implements StreamHost {
  readonly writer: FrameWriter;
  readonly maxFrameBytes: number;
  protected readonly streamWindow: number;
  protected readonly streams = new Map<number, MuxStream>();
  private readonly decoder = new FrameDecoder();
  private readonly keepalive: NodeJS.Timeout;
  private lastReceived = Date.now();
  private ended: Error | undefined | null = null;

  protected constructor(
    protected readonly transport: Duplex,
    options: MuxSessionOptions,
  ) {
    super();
    this.writer = new FrameWriter(transport, options);
    this.streamWindow = options.streamWindow ?? DEFAULT_STREAM_WINDOW;
    this.maxFrameBytes = Math.min(options.maxFrameBytes ?? 256 << 10, MAX_DATA_PAYLOAD);
    transport.on('data', (chunk: Buffer) => this.receive(chunk));
    transport.once('end', () => this.lost('the peer closed the connection'));
    transport.once('close', () => this.lost('the connection closed'));
    transport.on('error', (error: Error) => this.lost(`the connection failed: ${error.message}`, error));
    const interval = options.keepaliveIntervalMs ?? 15_000;
    const timeout = options.keepaliveTimeoutMs ?? 60_000;
    this.keepalive = setInterval(() => this.checkAlive(interval, timeout), Math.min(interval, timeout) / 2).unref();
  }

  /** Streams open now (for choosing the least-loaded session). */
  get load(): number {
    return this.streams.size;
  }

  get isOpen(): boolean {
    return this.ended === null;
  }

  /** Why the session ended (undefined for a clean close); null while it is open. */
  get endReason(): Error | undefined | null {
    return this.ended;
  }

  /** Ends the session: a GoAway to the peer, every stream destroyed, the transport ended. */
  close(code: number = ErrorCode.Ok, reason = 'closed'): void {
    this.end(code === ErrorCode.Ok ? undefined : new MuxSessionError(code, reason), code, reason);
  }

  forget(stream: MuxStream): void {
    if (this.streams.get(stream.id) === stream) this.streams.delete(stream.id);
  }

  /** Frames other than ping, goaway and the stream-level ones; throw MuxProtocolError for a bad one. */
  protected abstract handleFrame(frame: Frame): void;

  /** Registers a stream this side or the peer opened. */
  protected addStream(id: number): MuxStream {
    if (this.streams.has(id)) throw new MuxProtocolError(`stream ${id} is already open`);
    const stream = new MuxStream(id, this, this.streamWindow);
    this.streams.set(id, stream);
    return stream;
  }

  private receive(chunk: Buffer): void {
    if (this.ended !== null) return;
    this.lastReceived = Date.now();
    try {
      this.decoder.push(chunk, (frame) => this.ended === null && this.dispatch(frame));
    } catch (error) {
      const protocol = error instanceof MuxProtocolError;
      const message = protocol ? error.message : `internal error: ${(error as Error).message}`;
      this.end(
        new MuxSessionError(protocol ? ErrorCode.Protocol : ErrorCode.Internal, message, { cause: error }),
        protocol ? ErrorCode.Protocol : ErrorCode.Internal,
        message,
      );
    }
  }

  private dispatch(frame: Frame): void {
    switch (frame.type) {
      case FrameType.Ping:
        if (!(frame.flags & Flag.Ack)) this.writer.frame(FrameType.Ping, Flag.Ack, 0, Buffer.from(frame.payload));
        return;
      case FrameType.GoAway: {
        const { code, reason } = decodeRefusal(frame.payload, 'goaway');
        const error =
          code === ErrorCode.Ok
            ? undefined
            : new MuxSessionError(code, `the peer ended the session: ${codeName(code)}${reason ? ` (${reason})` : ''}`);
        return this.end(error, undefined, '');
      }
      case FrameType.Data:
        return this.onData(frame);
      case FrameType.Window:
        if (frame.payload.length !== 4) throw new MuxProtocolError('window frame of the wrong size');
        return this.streams.get(frame.stream)?.grantCredit(frame.payload.readUInt32BE(0));
      case FrameType.Reset: {
        const { code, reason } = decodeRefusal(frame.payload, 'reset');
        return this.streams.get(frame.stream)?.receiveReset(code, reason);
      }
      default:
        return this.handleFrame(frame);
    }
  }

  /** DATA for a stream already forgotten (reset here a moment ago) is dropped, as HTTP/2 does. */
  private onData(frame: Frame): void {
    const stream = this.streams.get(frame.stream);
    if (!stream) return;
    if (!stream.receiveData(frame.payload, (frame.flags & Flag.Fin) !== 0))
      stream.reset(ErrorCode.FlowControl, 'the peer sent more than its window or after its FIN');
  }

  private checkAlive(interval: number, timeout: number): void {
    const quiet = Date.now() - this.lastReceived;
    if (quiet >= timeout)
      return this.end(
        new MuxSessionError(ErrorCode.Keepalive, `no answer from the peer for ${quiet} ms`),
        ErrorCode.Keepalive,
        'keepalive timeout',
      );
    if (quiet >= interval) this.writer.frame(FrameType.Ping, 0, 0, Buffer.alloc(8));
  }

  private lost(message: string, cause?: Error): void {
    if (this.ended !== null) return;
    const midFrame = this.decoder.midFrame ? ' in the middle of a frame' : '';
    this.end(new MuxSessionError(ErrorCode.Internal, `${message}${midFrame}`, cause && { cause }), undefined, '');
  }

  /** The one way out: tell the peer (if `code` is given), fail every stream, end the transport, emit close. */
  protected end(error: Error | undefined, code: number | undefined, reason: string): void {
    if (this.ended !== null) return;
    this.ended = error;
    clearInterval(this.keepalive);
    if (code !== undefined) this.writer.frame(FrameType.GoAway, 0, 0, encodeRefusal(code, reason));
    this.writer.flushNow();
    this.writer.close();
    this.onEnd();
    const streamError = new MuxStreamError(ErrorCode.Cancel, `the mux session ended${error ? `: ${error.message}` : ''}`);
    for (const stream of [...this.streams.values()]) stream.destroy(streamError);
    this.streams.clear();
    this.transport.end();
    // A peer that never closes its side must not keep the socket (and this process) alive.
    setTimeout(() => this.transport.destroy(), 2_000).unref();
    this.emit('close', error);
  }

  /** Releases what a subclass holds (pending opens, listeners, the UDP relay). */
  protected abstract onEnd(): void;
}
