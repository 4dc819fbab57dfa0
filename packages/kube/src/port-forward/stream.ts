import { Duplex } from 'node:stream';
import WebSocket from 'ws';
import { ErrorCode, UserError } from '@ktctl/plugin-api';
import { apiError } from '../errors.js';
import type { ApiTransport } from '../transport.js';
import { DATA_CHANNEL, FrameDecoder, PORT_FORWARD_PROTOCOL, describeForwardError, encodeData } from './protocol.js';

/** How long a closing WebSocket waits for the server's close frame before the socket is cut. */
const CLOSE_TIMEOUT_MS = 1_000;

/** The pod port one stream reaches. */
export interface ForwardTarget {
  namespace: string;
  pod: string;
  port: number;
}

/** Tuning of one stream; the defaults suit an SSH session over it. */
export interface StreamOptions {
  /** Bound on opening the WebSocket (`--portForwardTimeout`), ms. */
  openTimeoutMs?: number;
  /** WebSocket ping period; two missed pongs end the stream with an error, ms. */
  pingIntervalMs?: number;
  /** Bytes queued on the WebSocket before local writes wait (backpressure towards the local side). */
  sendHighWaterMark?: number;
  /**
   * Asked when the server closes normally: the kubelet closes the same way when the pod dies, so the
   * forwarder checks the pod and returns an error if it is gone (the stream then fails instead of ending).
   */
  verifyRemoteClose?: (target: ForwardTarget) => Promise<Error | undefined>;
}

/** A port-forward that failed after it was opened (the pod went away, the error channel spoke, a keepalive was missed). */
export class PortForwardError extends Error {
  override name = 'PortForwardError';
}

/**
 * A zero masking key. Masking (RFC 6455 §10.3) keeps browser scripts from poisoning caching proxies with
 * crafted frames; it protects nothing for a CLI whose frames travel inside TLS to the API server. A zero
 * key is still a valid masked frame, and ws then sends our buffer as is instead of copying and XOR-ing
 * every byte: that copy was the largest cost of sending through a port-forward (half of kubectl's speed).
 */
function zeroMask(mask: Buffer): void {
  mask.fill(0);
}

/** Opens one port-forward WebSocket and returns it as a Duplex stream once the server accepted it. */
export async function openForwardStream(
  transport: ApiTransport,
  target: ForwardTarget,
  options: StreamOptions = {},
): Promise<PortForwardStream> {
  const opts = await transport.connectOptions();
  const ws = new WebSocket(forwardUrl(transport.server, target), [PORT_FORWARD_PROTOCOL], {
    ...opts,
    handshakeTimeout: options.openTimeoutMs ?? 10_000,
    perMessageDeflate: false,
    generateMask: zeroMask,
  });
  // The stream listens from the start: messages that arrive with the upgrade must not be lost.
  const stream = new PortForwardStream(ws, target, options);
  let early: Error | undefined;
  const catchEarly = (err: Error) => (early ??= err);
  stream.on('error', catchEarly);
  try {
    await upgraded(ws, target);
  } catch (err) {
    stream.destroy();
    ws.terminate();
    throw err;
  }
  // An error that came with the upgrade (the kubelet could not reach the port) fails the open itself.
  await new Promise((r) => setImmediate(r));
  stream.off('error', catchEarly);
  if (early) throw early;
  return stream;
}

/** `wss://<server>/api/v1/namespaces/<ns>/pods/<pod>/portforward?ports=<port>` */
export function forwardUrl(server: URL, target: ForwardTarget): URL {
  const url = new URL(
    `/api/v1/namespaces/${encodeURIComponent(target.namespace)}/pods/${encodeURIComponent(target.pod)}/portforward?ports=${target.port}`,
    server,
  );
  url.protocol = url.protocol === 'http:' ? 'ws:' : 'wss:';
  return url;
}

/** Resolves once the server switched protocols; rejects with what it said instead (403, 404, ...). */
function upgraded(ws: WebSocket, target: ForwardTarget): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', (err) => reject(openError(err, target)));
    ws.once('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => reject(rejectedError(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'), target)));
      res.on('error', () => reject(rejectedError(res.statusCode ?? 0, '', target)));
    });
  });
}

function rejectedError(status: number, text: string, target: ForwardTarget): Error {
  if (status === 404)
    return new UserError(ErrorCode.NotFound, `Pod ${target.pod} not found in namespace ${target.namespace}`, {
      hint: 'The shadow pod may have been deleted; ktctl recreates it',
    });
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return apiError(status, body, { verb: 'create', resource: 'pods/portforward', namespace: target.namespace, name: target.pod });
}

function openError(err: Error, target: ForwardTarget): Error {
  return new PortForwardError(`Cannot open a port-forward to ${target.pod}:${target.port}: ${err.message}`, { cause: err });
}

/**
 * One forwarded connection. Backpressure both ways: the WebSocket is paused while the local reader is
 * behind, and local writes wait while more than `sendHighWaterMark` bytes are queued on the WebSocket.
 * The v4 protocol has no half-close, so ending our side closes the WebSocket; the server closing it
 * ends our readable side.
 */
export class PortForwardStream extends Duplex {
  private readonly decoder = new FrameDecoder();
  private readonly pingTimer: NodeJS.Timeout;
  private awaitingPong = false;
  private readonly highWater: number;
  private readonly verify: StreamOptions['verifyRemoteClose'];
  private localEnded = false;

  constructor(
    private readonly ws: WebSocket,
    readonly target: ForwardTarget,
    options: StreamOptions = {},
  ) {
    super({ allowHalfOpen: false, readableHighWaterMark: 1024 * 1024, writableHighWaterMark: 256 * 1024 });
    this.verify = options.verifyRemoteClose;
    this.highWater = options.sendHighWaterMark ?? 1024 * 1024;
    ws.on('message', (data: Buffer) => this.onMessage(data));
    ws.on('pong', () => (this.awaitingPong = false));
    ws.on('close', (code, reason) => this.onClose(code, reason.toString('utf8')));
    ws.on('error', (err) =>
      this.destroy(new PortForwardError(`port-forward to ${target.pod}:${target.port} failed: ${err.message}`, { cause: err })),
    );
    this.pingTimer = setInterval(() => this.ping(), options.pingIntervalMs ?? 15_000);
    this.pingTimer.unref();
  }

  /** Bytes waiting in the WebSocket's send queue. */
  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  private onMessage(message: Buffer): void {
    this.awaitingPong = false;
    const m = this.decoder.decode(message);
    if (m.channel === DATA_CHANNEL) {
      if (!this.push(m.data)) this.ws.pause();
    } else if (m.channel !== 'ignored') {
      this.destroy(new PortForwardError(describeForwardError(m.text, this.target.pod, this.target.port)));
    }
  }

  private onClose(code: number, reason: string): void {
    clearInterval(this.pingTimer);
    if (this.destroyed) return;
    // 1000/1005 is a normal end (the remote connection closed); anything else is a drop.
    if (code === 1000 || code === 1005) void this.endOrFail();
    else
      this.destroy(
        new PortForwardError(
          `port-forward to ${this.target.pod}:${this.target.port} dropped (WebSocket ${code}${reason ? ` ${reason}` : ''})`,
        ),
      );
  }

  private async endOrFail(): Promise<void> {
    const err = this.verify && !this.localEnded ? await this.verify(this.target).catch(() => undefined) : undefined;
    if (err) this.destroy(err);
    else this.push(null);
  }

  private ping(): void {
    if (this.awaitingPong) {
      this.destroy(new PortForwardError(`port-forward to ${this.target.pod}:${this.target.port}: no answer to keepalive pings`));
      return;
    }
    this.awaitingPong = true;
    this.ws.ping();
  }

  override _read(): void {
    if (this.ws.isPaused) this.ws.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, callback: (err?: Error | null) => void): void {
    if (this.ws.readyState !== WebSocket.OPEN) {
      callback(new PortForwardError(`port-forward to ${this.target.pod}:${this.target.port} is closed`));
      return;
    }
    const waitForFlush = this.ws.bufferedAmount + chunk.length > this.highWater;
    this.ws.send(encodeData(chunk), { binary: true }, waitForFlush ? (err) => callback(err ?? null) : undefined);
    if (!waitForFlush) callback();
  }

  override _final(callback: (err?: Error | null) => void): void {
    this.localEnded = true;
    if (this.ws.readyState === WebSocket.OPEN) this.closeSocket();
    callback();
  }

  /**
   * A normal close, bounded: ws waits up to 30 s for the server's close frame, and a paused WebSocket never
   * reads it, which kept a stopped ktctl alive for half a minute. Read again, and cut it after a moment.
   */
  private closeSocket(): void {
    if (this.ws.isPaused) this.ws.resume();
    this.ws.close(1000);
    const cut = setTimeout(() => this.ws.terminate(), CLOSE_TIMEOUT_MS);
    this.ws.once('close', () => clearTimeout(cut));
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    clearInterval(this.pingTimer);
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) {
      if (err || this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
      else this.closeSocket();
    }
    callback(err);
  }
}
