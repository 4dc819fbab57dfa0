import { KeyObject } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { authPayload, readHello } from './auth.js';
import { parsePrivateKey } from './keys.js';
import {
  decodeAccept,
  decodeDatagram,
  decodeListenReply,
  decodeOpenReply,
  encodeDatagramHeader,
  encodeListen,
  encodeOpen,
  encodeOpenReply,
  type Endpoint,
} from './payloads.js';
import { MuxSession, MuxSessionError, type MuxSessionOptions } from './session.js';
import { MuxStream, MuxStreamError } from './stream.js';
import { codeName, ErrorCode, FrameType, MAX_CONTROL_PAYLOAD, MuxProtocolError, type Frame } from './wire.js';

/** How to reach and prove ourselves to a mux server. */
export interface MuxClientOptions extends MuxSessionOptions {
  /** The byte stream to the agent's mux port (a port-forward stream, or a TCP socket). */
  transport: Duplex;
  /** The run's Ed25519 private key: OpenSSH (unencrypted) or PKCS8 PEM text, or a KeyObject. */
  privateKey: string | Buffer | KeyObject;
  /** Bound on HELLO + AUTH (default 20 s). */
  handshakeTimeoutMs?: number;
}

/** A reverse-forwarded connection: it arrived at `listenPort` in the pod from `origin`. */
export interface ForwardedStream {
  stream: MuxStream;
  listenPort: number;
  origin: Endpoint;
}

type Pending<T> = { resolve: (value: T) => void; reject: (error: Error) => void };

/**
 * The laptop's end of a mux session. Events: 'forward' (ForwardedStream) for each connection to a port
 * it listens on; 'datagram' (flow, source Endpoint, payload); 'flowClose' (flow); 'close' (error?).
 */
export class MuxClient extends MuxSession {
  private nextStream = 1;
  private nextRequest = 1;
  private readonly opens = new Map<number, Pending<MuxStream> & { stream: MuxStream }>();
  private readonly listens = new Map<number, Pending<number>>();
  private handshake: Pending<MuxClient> | undefined;
  private authed = false;

  private constructor(
    private readonly key: KeyObject,
    options: MuxClientOptions,
  ) {
    super(options.transport, options);
  }

  /** Runs the handshake on `transport`; resolves once the server accepted our key. */
  static connect(options: MuxClientOptions): Promise<MuxClient> {
    const key = options.privateKey instanceof KeyObject ? options.privateKey : parsePrivateKey(options.privateKey);
    const client = new MuxClient(key, options);
    return new Promise((resolve, reject) => {
      client.handshake = { resolve, reject };
      const timer = setTimeout(() => client.close(ErrorCode.Timeout, 'handshake timed out'), options.handshakeTimeoutMs ?? 20_000);
      client.once('close', () => clearTimeout(timer));
      client.once('ready', () => clearTimeout(timer));
    });
  }

  /** A stream to host:port, dialled by the server; rejects with MuxStreamError (code Refused, ...) on failure. */
  dial(host: string, port: number): Promise<MuxStream> {
    if (!this.isOpen) return Promise.reject(new MuxSessionError(ErrorCode.Cancel, 'the mux session is closed'));
    const id = this.allocateStream();
    const stream = this.addStream(id);
    this.writer.frame(FrameType.Open, 0, id, encodeOpen(this.streamWindow, host, port));
    return new Promise((resolve, reject) => this.opens.set(id, { resolve, reject, stream }));
  }

  /** Asks the server to listen on `port` (0: any) on all its interfaces; resolves to the bound port. */
  listen(port: number): Promise<number> {
    if (!this.isOpen) return Promise.reject(new MuxSessionError(ErrorCode.Cancel, 'the mux session is closed'));
    const request = this.nextRequest++;
    this.writer.frame(FrameType.Listen, 0, 0, encodeListen(request, port));
    return new Promise((resolve, reject) => this.listens.set(request, { resolve, reject }));
  }

  /** Stops a listener started with listen(). */
  unlisten(port: number): void {
    const payload = Buffer.allocUnsafe(2);
    payload.writeUInt16BE(port, 0);
    this.writer.frame(FrameType.Unlisten, 0, 0, payload);
  }

  /** Sends one datagram of `flow` to `destination`; false when dropped (too big, congested, closed). */
  sendDatagram(flow: number, destination: Endpoint, payload: Buffer): boolean {
    const header = encodeDatagramHeader(destination);
    if (!this.isOpen || header.length + payload.length > MAX_CONTROL_PAYLOAD || this.writer.congested) return false;
    this.writer.frame(FrameType.Datagram, 0, flow, Buffer.concat([header, payload]));
    return true;
  }

  /** Tells the server to forget `flow` (its UDP socket closes). */
  closeFlow(flow: number): void {
    if (this.isOpen) this.writer.frame(FrameType.FlowClose, 0, flow);
  }

  protected handleFrame(frame: Frame): void {
    if (!this.authed) return this.handleHandshake(frame);
    switch (frame.type) {
      case FrameType.OpenReply:
        return this.onOpenReply(frame);
      case FrameType.Accept:
        return this.onAccept(frame);
      case FrameType.ListenReply:
        return this.onListenReply(frame);
      case FrameType.Datagram: {
        const { endpoint, data } = decodeDatagram(frame.payload);
        return void this.emit('datagram', frame.stream, endpoint, data);
      }
      case FrameType.FlowClose:
        return void this.emit('flowClose', frame.stream);
      default:
        throw new MuxProtocolError(`unexpected frame type ${frame.type} from the server`);
    }
  }

  private handleHandshake(frame: Frame): void {
    if (frame.type === FrameType.Hello) return this.writer.frame(FrameType.Auth, 0, 0, authPayload(readHello(frame.payload), this.key));
    if (frame.type !== FrameType.AuthOk) throw new MuxProtocolError(`frame type ${frame.type} before the server accepted our key`);
    this.authed = true;
    this.emit('ready');
    this.handshake?.resolve(this);
    this.handshake = undefined;
  }

  private onOpenReply(frame: Frame): void {
    const pending = this.opens.get(frame.stream);
    if (!pending) throw new MuxProtocolError(`open reply for stream ${frame.stream}, which is not being opened`);
    this.opens.delete(frame.stream);
    const { code, window, reason } = decodeOpenReply(frame.payload);
    if (code === ErrorCode.Ok) {
      pending.stream.grantCredit(window);
      return pending.resolve(pending.stream);
    }
    this.forget(pending.stream);
    pending.stream.destroy();
    pending.reject(new MuxStreamError(code, `the agent could not connect: ${codeName(code)}${reason ? ` (${reason})` : ''}`));
  }

  /** A connection to a port we listen on: accepted at once if anyone listens for 'forward'. */
  private onAccept(frame: Frame): void {
    const { window, listenPort, origin } = decodeAccept(frame.payload);
    if (frame.stream % 2 !== 0) throw new MuxProtocolError(`the server opened odd stream ${frame.stream}`);
    if (this.listenerCount('forward') === 0)
      return this.writer.frame(
        FrameType.OpenReply,
        0,
        frame.stream,
        encodeOpenReply(ErrorCode.Refused, 0, 'nobody takes forwarded connections'),
      );
    const stream = this.addStream(frame.stream);
    stream.grantCredit(window);
    this.writer.frame(FrameType.OpenReply, 0, frame.stream, encodeOpenReply(ErrorCode.Ok, this.streamWindow));
    this.emit('forward', { stream, listenPort, origin } satisfies ForwardedStream);
  }

  private onListenReply(frame: Frame): void {
    const { request, code, port, reason } = decodeListenReply(frame.payload);
    const pending = this.listens.get(request);
    if (!pending) throw new MuxProtocolError(`listen reply for unknown request ${request}`);
    this.listens.delete(request);
    if (code === ErrorCode.Ok) pending.resolve(port);
    else pending.reject(new MuxStreamError(code, `the agent could not listen: ${codeName(code)}${reason ? ` (${reason})` : ''}`));
  }

  private allocateStream(): number {
    if (this.nextStream > 0xffff_fffe) throw new MuxSessionError(ErrorCode.Internal, 'stream ids exhausted; open a new session');
    const id = this.nextStream;
    this.nextStream += 2;
    return id;
  }

  protected onEnd(): void {
    const error = this.endReason ?? new MuxSessionError(ErrorCode.Cancel, 'the mux session closed');
    this.handshake?.reject(error);
    for (const { stream, reject } of this.opens.values()) {
      this.forget(stream);
      stream.destroy();
      reject(error);
    }
    this.opens.clear();
    for (const { reject } of this.listens.values()) reject(error);
    this.listens.clear();
  }
}
