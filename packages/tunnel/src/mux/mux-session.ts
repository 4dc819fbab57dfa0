import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { MuxClient, MuxStreamError, type Endpoint, type MuxStream } from '@ktctl/mux';
import { sessionLost, type TunnelSession } from '../session/tunnel-session.js';

export interface MuxTunnelSessionOptions {
  /** The byte stream to the agent's mux port (a port-forward stream, or a TCP socket). */
  readonly transport: Duplex;
  /** The run's Ed25519 private key (OpenSSH text, as `generateSshKeyPair` makes it). */
  readonly privateKey: string | Buffer;
  readonly keepaliveIntervalMs?: number;
  /** The session ends after this long with nothing received (default 4 keepalive intervals). */
  readonly keepaliveTimeoutMs?: number;
  readonly readyTimeoutMs?: number;
}

/** The datagram side of one session, for the UDP relay (one flow table per session on the agent). */
export interface DatagramChannel {
  send(flow: number, destination: Endpoint, payload: Buffer): boolean;
  closeFlow(flow: number): void;
  onDatagram(listener: (flow: number, source: Endpoint, payload: Buffer) => void): void;
  onFlowClose(listener: (flow: number) => void): void;
  /** Called once when the session is gone: the agent has forgotten every flow with it. */
  onClose(listener: () => void): void;
  readonly isOpen: boolean;
}

/**
 * One @ktctl/mux session to the shadow agent, the laptop's data path: TCP streams, reverse listens and
 * UDP datagrams over one port-forward, each turn's frames in one WebSocket message.
 */
export class MuxTunnelSession extends EventEmitter implements TunnelSession {
  private closed = false;

  private constructor(private readonly client: MuxClient) {
    super();
    client.once('close', (error?: Error) => {
      if (error) this.emit('failure', error);
      this.closed = true;
      this.emit('close');
    });
  }

  /** Connects and authenticates (signed challenge); rejects on failure, after closing the transport. */
  static async open(options: MuxTunnelSessionOptions): Promise<MuxTunnelSession> {
    const interval = options.keepaliveIntervalMs ?? 15_000;
    try {
      const client = await MuxClient.connect({
        transport: options.transport,
        privateKey: options.privateKey,
        keepaliveIntervalMs: interval,
        keepaliveTimeoutMs: options.keepaliveTimeoutMs ?? interval * 4,
        handshakeTimeoutMs: options.readyTimeoutMs ?? 20_000,
      });
      return new MuxTunnelSession(client);
    } catch (error) {
      options.transport.destroy();
      throw new Error(`the shadow agent's mux handshake failed: ${(error as Error).message}`, { cause: error });
    }
  }

  get load(): number {
    return this.client.load;
  }

  get isOpen(): boolean {
    return !this.closed && this.client.isOpen;
  }

  async dial(host: string, port: number): Promise<MuxStream> {
    if (!this.isOpen) throw sessionLost(new Error('the mux session is closed'));
    try {
      return await this.client.dial(host, port);
    } catch (error) {
      if (error instanceof MuxStreamError)
        throw Object.assign(new Error(`cannot reach ${host}:${port} from the shadow pod: ${error.message}`, { cause: error }), {
          socksReply: error.socksReply,
        });
      throw sessionLost(error as Error);
    }
  }

  async forwardIn(port: number): Promise<void> {
    try {
      await this.client.listen(port);
    } catch (error) {
      throw new Error(`the shadow pod could not listen on port ${port}: ${(error as Error).message}`, { cause: error });
    }
  }

  /** mux has already accepted the stream when we hear of it: reject() resets it. */
  onForwarded(listener: (port: number, accept: () => Duplex, reject: () => void) => void): void {
    this.client.on('forward', ({ stream, listenPort }: { stream: MuxStream; listenPort: number }) =>
      listener(
        listenPort,
        () => stream,
        () => stream.destroy(),
      ),
    );
  }

  /** The session's datagram side. */
  get datagrams(): DatagramChannel {
    const client = this.client;
    return {
      send: (flow, destination, payload) => client.sendDatagram(flow, destination, payload),
      closeFlow: (flow) => client.closeFlow(flow),
      onDatagram: (listener) => void client.on('datagram', listener),
      onFlowClose: (listener) => void client.on('flowClose', listener),
      onClose: (listener) => (this.closed ? listener() : void this.once('close', listener)),
      get isOpen() {
        return client.isOpen;
      },
    };
  }

  close(): void {
    this.client.close();
  }
}
