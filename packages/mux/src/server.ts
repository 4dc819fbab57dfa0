import type { KeyObject } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { helloPayload, verifyAuth } from './auth.js';
import { dialTcp, HandlerError, join, listenTcp, type Listener } from './handlers.js';
import {
  decodeDatagram,
  decodeListen,
  decodeOpen,
  decodeOpenReply,
  encodeAccept,
  encodeDatagramHeader,
  encodeListenReply,
  encodeOpenReply,
  type Endpoint,
} from './payloads.js';
import { MuxSession, type MuxSessionOptions } from './session.js';
import type { MuxStream } from './stream.js';
import { UdpRelay, type DatagramPeer, type DatagramService, type UdpRelayOptions } from './udp-relay.js';
import { ErrorCode, FrameType, MAX_CONTROL_PAYLOAD, MuxProtocolError, type Frame } from './wire.js';

/** How the server acts on requests; each defaults to the real thing (handlers.ts, udp-relay.ts). */
export interface MuxServerHandlers {
  /** Connects to host:port for an Open; reject with a HandlerError to choose the code. */
  dial(host: string, port: number): Promise<Duplex>;
  /** Listens for a Listen request; each connection becomes a stream to the laptop. */
  listen(port: number, onConnection: (socket: Socket) => void): Promise<Listener>;
  /** The datagram service of one session. */
  datagrams(peer: DatagramPeer): DatagramService;
}

/** The server's configuration. */
export interface MuxServerOptions extends MuxSessionOptions {
  /** The keys allowed in, asked at each handshake (a rotated authorized_keys applies at once). */
  authorizedKeys: () => Promise<readonly KeyObject[]> | readonly KeyObject[];
  handlers?: Partial<MuxServerHandlers>;
  udp?: UdpRelayOptions;
  /** A client that has not authenticated by then is dropped (default 10 s). */
  handshakeTimeoutMs?: number;
}

/** Accepts mux sessions, on its own TCP listener or on any Duplex handed to accept(). */
export class MuxServer {
  readonly sessions = new Set<ServerSession>();
  private server: Server | undefined;
  private readonly handlers: MuxServerHandlers;

  constructor(private readonly options: MuxServerOptions) {
    const udp = options.udp;
    this.handlers = { dial: dialTcp, listen: listenTcp, datagrams: (peer) => new UdpRelay(peer, udp), ...options.handlers };
  }

  /** Serves one connection; the session is tracked until it ends. */
  accept(transport: Duplex): ServerSession {
    const session = new ServerSession(transport, this.options, this.handlers);
    this.sessions.add(session);
    session.once('close', () => this.sessions.delete(session));
    return session;
  }

  /** Listens on host:port (default loopback only: the agent takes mux from the port-forward alone). */
  listen(port: number, host = '127.0.0.1'): Promise<number> {
    const server = createServer({ noDelay: true }, (socket) => this.accept(socket));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
    });
  }

  /** Stops listening and ends every session. */
  async close(): Promise<void> {
    for (const session of this.sessions) session.close(ErrorCode.Ok, 'the agent is stopping');
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** One laptop's session on the agent. */
export class ServerSession extends MuxSession implements DatagramPeer {
  private nextStream = 2;
  private challenge: Buffer;
  private state: 'hello' | 'verifying' | 'open' = 'hello';
  private readonly tcpListeners = new Map<number, Listener>();
  private readonly accepting = new Map<number, { stream: MuxStream; socket: Socket }>();
  private datagrams: DatagramService | undefined;
  private readonly handshakeTimer: NodeJS.Timeout;

  constructor(
    transport: Duplex,
    private readonly options: MuxServerOptions,
    private readonly handlers: MuxServerHandlers,
  ) {
    super(transport, options);
    const hello = helloPayload();
    this.challenge = hello.challenge;
    this.writer.frame(FrameType.Hello, 0, 0, hello.payload);
    this.handshakeTimer = setTimeout(
      () => this.close(ErrorCode.Auth, 'no authentication in time'),
      options.handshakeTimeoutMs ?? 10_000,
    ).unref();
  }

  sendDatagram(flow: number, source: Endpoint, payload: Buffer): boolean {
    const header = encodeDatagramHeader(source);
    if (!this.isOpen || header.length + payload.length > MAX_CONTROL_PAYLOAD || this.writer.congested) return false;
    this.writer.frame(FrameType.Datagram, 0, flow, Buffer.concat([header, payload]));
    return true;
  }

  closeFlow(flow: number): void {
    if (this.isOpen) this.writer.frame(FrameType.FlowClose, 0, flow);
  }

  protected handleFrame(frame: Frame): void {
    if (this.state !== 'open') return this.handleHandshake(frame);
    switch (frame.type) {
      case FrameType.Open:
        return this.onOpen(frame);
      case FrameType.OpenReply:
        return this.onAcceptReply(frame);
      case FrameType.Listen:
        // Decoded here, not in the async part: a bad frame must end the session, not reject a promise.
        return void this.listenFor(decodeListen(frame.payload));
      case FrameType.Unlisten:
        if (frame.payload.length !== 2) throw new MuxProtocolError('unlisten frame of the wrong size');
        return this.unlisten(frame.payload.readUInt16BE(0));
      case FrameType.Datagram: {
        const { endpoint, data } = decodeDatagram(frame.payload);
        return (this.datagrams ??= this.handlers.datagrams(this)).send(frame.stream, endpoint, data);
      }
      case FrameType.FlowClose:
        return this.datagrams?.closeFlow(frame.stream);
      default:
        throw new MuxProtocolError(`unexpected frame type ${frame.type} from the client`);
    }
  }

  /** Only AUTH is accepted before the session opens; a wrong key ends the session with GoAway(Auth). */
  private handleHandshake(frame: Frame): void {
    if (this.state !== 'hello' || frame.type !== FrameType.Auth)
      throw new MuxProtocolError(`frame type ${frame.type} before authentication`);
    this.state = 'verifying';
    const challenge = this.challenge;
    this.challenge = Buffer.alloc(0); // one answer per challenge
    void Promise.resolve(this.options.authorizedKeys())
      .then((keys) => verifyAuth(frame.payload, challenge, keys))
      .then(
        (ok) => this.authenticated(ok),
        (error: Error) => this.close(error instanceof MuxProtocolError ? ErrorCode.Protocol : ErrorCode.Auth, error.message),
      );
  }

  private authenticated(ok: boolean): void {
    if (!this.isOpen) return;
    if (!ok) return this.close(ErrorCode.Auth, 'the key is not authorized or the signature is wrong');
    clearTimeout(this.handshakeTimer);
    this.state = 'open';
    this.writer.frame(FrameType.AuthOk, 0, 0);
  }

  /** Dials first and answers after, so the laptop learns "refused" before it sends a byte. */
  private onOpen(frame: Frame): void {
    if (frame.stream % 2 !== 1) throw new MuxProtocolError(`the client opened even stream ${frame.stream}`);
    const { window, host, port } = decodeOpen(frame.payload);
    const stream = this.addStream(frame.stream);
    this.handlers.dial(host, port).then(
      (socket) => {
        if (stream.destroyed) return void socket.destroy();
        this.writer.frame(FrameType.OpenReply, 0, stream.id, encodeOpenReply(ErrorCode.Ok, this.streamWindow));
        stream.grantCredit(window);
        join(stream, socket);
      },
      (error: Error) => {
        const code = error instanceof HandlerError ? error.code : ErrorCode.Internal;
        this.forget(stream);
        if (this.isOpen) this.writer.frame(FrameType.OpenReply, 0, stream.id, encodeOpenReply(code, 0, error.message));
      },
    );
  }

  private async listenFor({ request, port }: { request: number; port: number }): Promise<void> {
    try {
      const listener = await this.handlers.listen(port, (socket) => this.forward(listener.port, socket));
      if (!this.isOpen) return listener.close();
      this.tcpListeners.set(listener.port, listener);
      this.writer.frame(FrameType.ListenReply, 0, 0, encodeListenReply(request, ErrorCode.Ok, listener.port));
    } catch (error) {
      const code = error instanceof HandlerError ? error.code : ErrorCode.Internal;
      this.writer.frame(FrameType.ListenReply, 0, 0, encodeListenReply(request, code, 0, (error as Error).message));
    }
  }

  private unlisten(port: number): void {
    this.tcpListeners.get(port)?.close();
    this.tcpListeners.delete(port);
  }

  /** A connection to a forwarded port becomes an even stream; it is joined once the laptop accepts. */
  private forward(listenPort: number, socket: Socket): void {
    if (!this.isOpen) return void socket.destroy();
    const id = this.nextStream;
    this.nextStream += 2;
    const stream = this.addStream(id);
    this.accepting.set(id, { stream, socket });
    socket.on('error', () => stream.destroy());
    const origin = { address: socket.remoteAddress ?? '0.0.0.0', port: socket.remotePort ?? 0 };
    this.writer.frame(FrameType.Accept, 0, id, encodeAccept(this.streamWindow, listenPort, origin));
  }

  private onAcceptReply(frame: Frame): void {
    const pending = this.accepting.get(frame.stream);
    if (!pending) throw new MuxProtocolError(`open reply for stream ${frame.stream}, which is not being opened`);
    this.accepting.delete(frame.stream);
    const { code, window } = decodeOpenReply(frame.payload);
    if (code !== ErrorCode.Ok) {
      this.forget(pending.stream);
      pending.socket.destroy();
      return;
    }
    pending.stream.grantCredit(window);
    join(pending.stream, pending.socket);
  }

  protected onEnd(): void {
    clearTimeout(this.handshakeTimer);
    for (const port of [...this.tcpListeners.keys()]) this.unlisten(port);
    for (const { socket } of this.accepting.values()) socket.destroy();
    this.accepting.clear();
    this.datagrams?.close();
  }
}
