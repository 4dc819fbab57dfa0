import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { Client, type ClientChannel } from 'ssh2';
import type { TunnelSession } from '../session/tunnel-session.js';

export interface SshSessionOptions {
  /** The byte stream to the agent's SSH port (a port-forward stream, or a TCP socket). */
  readonly transport: Duplex;
  readonly privateKey: string | Buffer;
  readonly username?: string;
  readonly keepaliveIntervalMs?: number;
  readonly keepaliveCountMax?: number;
  readonly readyTimeoutMs?: number;
}

/** One SSH connection to a shadow agent, counting the channels it carries. */
export class SshSession extends EventEmitter implements TunnelSession {
  private channels = 0;
  private closed = false;

  private constructor(private readonly client: Client) {
    super();
    const down = (): void => this.markLost();
    // A dead transport shows as end or error before ssh2's close: stop handing out this session at once.
    client.on('error', (error) => {
      this.emit('failure', error);
      down();
    });
    client.once('end', down);
    client.once('close', down);
  }

  /** Connects and authenticates; rejects on failure, after closing everything it opened. */
  static open(options: SshSessionOptions): Promise<SshSession> {
    const client = new Client();
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (error: Error): void => {
        if (settled) return;
        settled = true;
        client.end();
        options.transport.destroy();
        reject(error);
      };
      client.once('ready', () => {
        settled = true;
        client.off('error', fail);
        client.off('close', closedEarly);
        resolve(new SshSession(client));
      });
      const closedEarly = (): void => fail(new Error('the shadow agent closed the SSH connection during the handshake'));
      // ssh2 may report more than one error for one failure: keep listening so none goes unhandled.
      client.on('error', fail);
      client.once('close', closedEarly);
      client.connect({
        sock: options.transport as never,
        username: options.username ?? 'kt',
        privateKey: options.privateKey,
        // The transport is an authenticated API-server port-forward to a pod we created: that is the
        // host's identity. Its SSH host key is made at pod start and cannot be known beforehand.
        hostVerifier: () => true,
        keepaliveInterval: options.keepaliveIntervalMs ?? 15_000,
        keepaliveCountMax: options.keepaliveCountMax ?? 4,
        readyTimeout: options.readyTimeoutMs ?? 20_000,
      });
    });
  }

  /** Channels open now. */
  get load(): number {
    return this.channels;
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** A `direct-tcpip` channel: the agent connects to host:port inside the cluster. */
  dial(host: string, port: number): Promise<ClientChannel> {
    return this.openChannel(
      (done) => this.client.forwardOut('127.0.0.1', 0, host, port, done),
      (error) =>
        Object.assign(new Error(`cannot reach ${host}:${port} from the shadow pod: ${error.message}`, { cause: error }), {
          socksReply: replyFor(error),
        }),
    );
  }

  /** A session channel running a subsystem, e.g. the UDP relay. */
  subsystem(name: string): Promise<ClientChannel> {
    return this.openChannel(
      (done) => this.client.subsys(name, done),
      (error) => new Error(`the shadow agent refused subsystem ${name}: ${error.message}`, { cause: error }),
    );
  }

  /**
   * A remote forward (`tcpip-forward`): the agent listens on `port` on every interface of the pod, and
   * each connection arriving there is offered to the onForwarded listener.
   */
  forwardIn(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.client.forwardIn('0.0.0.0', port, (error) => {
        if (error) reject(new Error(`the shadow pod could not listen on port ${port}: ${error.message}`, { cause: error }));
        else resolve();
      });
    });
  }

  /** Connections on ports bound with forwardIn: accept() gives the channel, reject() refuses it. */
  onForwarded(listener: (port: number, accept: () => ClientChannel, reject: () => void) => void): void {
    this.client.on('tcp connection', (info, accept, reject) => listener(info.destPort, accept, reject));
  }

  close(): void {
    this.client.end();
  }

  /** Takes the session out of service at once (its transport is gone), and says so once. */
  private markLost(): void {
    if (this.closed) return;
    this.closed = true;
    this.client.end();
    this.emit('close');
  }

  private lost(error: Error): Error {
    this.markLost();
    return Object.assign(error, { sessionLost: true });
  }

  /** Counts a channel from the moment it is asked for, so concurrent dials spread over sessions. */
  private openChannel(
    open: (done: (error: Error | undefined, channel: ClientChannel) => void) => void,
    describe: (error: Error) => Error,
  ): Promise<ClientChannel> {
    this.channels++;
    return new Promise((resolve, reject) => {
      try {
        open((error, channel) => {
          if (error) {
            this.channels--;
            // ssh2 says "Not connected" when the transport died before it noticed.
            const lost = this.closed || /not connected/i.test(error.message);
            return reject(lost ? this.lost(error) : describe(error));
          }
          channel.once('close', () => this.channels--);
          resolve(channel);
        });
      } catch (error) {
        this.channels--;
        reject(this.lost(error as Error));
      }
    });
  }
}

/** ssh2 reports an open failure's reason code (RFC 4254 §5.1); map it to a SOCKS5 reply. */
function replyFor(error: Error): number {
  const reason = (error as Error & { reason?: number }).reason;
  if (reason === 2 || /refused/i.test(error.message)) return 0x05;
  if (reason === 1) return 0x02;
  return 0x04;
}
