import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A TCP listener that keeps its client sockets (half-open allowed, Nagle off), so closing it ends every
 * connection at once rather than waiting for clients to leave.
 */
export class TrackedServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor(onSocket: (socket: Socket) => void) {
    this.server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      onSocket(socket);
    });
  }

  /** Starts listening; resolves with the bound address, rejects (EADDRINUSE...) without leaving a listener. */
  async listen(port: number, host: string): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return this.server.address() as AddressInfo;
  }

  /** Stops accepting and destroys every open client connection. */
  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    if (!this.server.listening) return;
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Client connections open now. */
  get connections(): number {
    return this.sockets.size;
  }
}
