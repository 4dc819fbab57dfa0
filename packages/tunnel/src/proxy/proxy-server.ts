import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from '@ktctl/plugin-api';
import { ByteReader } from './byte-reader.js';
import { httpProxyError, parseHttpProxyRequest } from './http-proxy.js';
import { SocksReply, readSocks5Request, replyForError, socks5Reply } from './socks5.js';
import { TrackedServer } from './tracked-server.js';

/** Opens a stream to host:port inside the cluster (an SSH direct-tcpip channel, or a plain socket in tests). */
export type Dialer = (target: { host: string; port: number }) => Promise<Duplex>;

export interface ProxyServerOptions {
  readonly host: string;
  readonly port: number;
  readonly dial: Dialer;
  readonly logger?: Logger;
  /** Bytes a handshake may take before the client is dropped. */
  readonly maxHeadBytes?: number;
}

const SOCKS5 = 0x05;
const CONNECT = 0x01;

/** Joins two streams both ways, with backpressure and half-close; destroys both when either fails. */
export function splice(a: Duplex, b: Duplex): void {
  const fail = (): void => {
    a.destroy();
    b.destroy();
  };
  a.pipe(b);
  b.pipe(a);
  a.once('error', fail);
  b.once('error', fail);
  a.once('close', () => b.destroyed || b.end());
  b.once('close', () => a.destroyed || a.end());
}

/** One local port speaking SOCKS5 and HTTP (CONNECT and absolute-form requests), told apart by the first byte. */
export class ProxyServer {
  private readonly server = new TrackedServer((socket) => void this.accept(socket));

  constructor(private readonly options: ProxyServerOptions) {}

  /** Starts listening; resolves with the bound address. */
  listen(): Promise<AddressInfo> {
    return this.server.listen(this.options.port, this.options.host);
  }

  /** Stops accepting and closes every open client connection. */
  close(): Promise<void> {
    return this.server.close();
  }

  /** Client connections open now. */
  get connections(): number {
    return this.server.connections;
  }

  private async accept(socket: Socket): Promise<void> {
    socket.on('error', (error) => this.options.logger?.debug(`proxy client: ${error.message}`));
    const reader = new ByteReader(socket);
    try {
      const [first] = await reader.read(1);
      if (first === SOCKS5) await this.serveSocks(socket, reader);
      else await this.serveHttp(socket, reader, Buffer.from([first!]));
    } catch (error) {
      this.options.logger?.debug(`proxy handshake failed: ${(error as Error).message}`);
      socket.destroy();
    }
  }

  private async serveSocks(socket: Socket, reader: ByteReader): Promise<void> {
    const request = await readSocks5Request(reader, (b) => socket.write(b));
    if (request.command !== CONNECT) {
      socket.end(socks5Reply(SocksReply.CommandNotSupported));
      return;
    }
    const remote = await this.dialOr(request, (error) => socket.end(socks5Reply(replyForError(error))));
    if (!remote) return;
    socket.write(socks5Reply(SocksReply.Succeeded, { host: socket.localAddress ?? '0.0.0.0', port: socket.localPort ?? 0 }));
    this.join(socket, reader, remote);
  }

  private async serveHttp(socket: Socket, reader: ByteReader, first: Buffer): Promise<void> {
    const head = Buffer.concat([first, await reader.readUntil('\r\n\r\n', this.options.maxHeadBytes ?? 65_536)]);
    let request;
    try {
      request = parseHttpProxyRequest(head);
    } catch (error) {
      socket.end(httpProxyError(400, 'Bad Request', (error as Error).message));
      return;
    }
    const remote = await this.dialOr(request, (error) =>
      socket.end(httpProxyError(502, 'Bad Gateway', `ktctl could not reach ${request.host}:${request.port}: ${(error as Error).message}`)),
    );
    if (!remote) return;
    if (request.kind === 'connect') socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    else remote.write(request.head);
    this.join(socket, reader, remote);
  }

  private async dialOr(target: { host: string; port: number }, onError: (error: unknown) => void): Promise<Duplex | undefined> {
    try {
      return await this.options.dial({ host: target.host, port: target.port });
    } catch (error) {
      this.options.logger?.debug(`proxy: ${target.host}:${target.port}: ${(error as Error).message}`);
      onError(error);
      return undefined;
    }
  }

  private join(socket: Socket, reader: ByteReader, remote: Duplex): void {
    const early = reader.release();
    if (early.length) remote.write(early);
    splice(socket, remote);
    socket.resume();
  }
}
