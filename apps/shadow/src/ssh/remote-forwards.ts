import { createServer, type Server, type Socket } from 'node:net';
import type { Connection } from 'ssh2';
import type { Log } from '../log.js';
import { joinChannel } from './pipe.js';

/**
 * The `tcpip-forward` listeners of one SSH connection. Each binds on all interfaces of the pod whatever
 * address the client named (the point is for other pods to reach it), and reports back to the client the
 * address it asked for with the port actually bound: OpenSSH matches `forwarded-tcpip` channels on that
 * pair and silently drops any that do not match.
 */
export class RemoteForwards {
  private readonly listeners = new Map<number, Server>();

  constructor(
    private readonly client: Connection,
    private readonly log: Log,
    private readonly track: (n: 1 | -1) => void,
  ) {}

  /** Starts listening; resolves to the bound port. */
  async bind(bindAddr: string, bindPort: number): Promise<number> {
    let boundPort = bindPort;
    const server = createServer({ noDelay: true, pauseOnConnect: true, allowHalfOpen: true }, (socket) =>
      this.forward(bindAddr, boundPort, socket),
    );
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port: bindPort }, () => resolve());
    });
    server.on('error', (error) => this.log.warn(`remote forward on port ${boundPort}: ${error.message}`));
    const address = server.address();
    if (typeof address === 'object' && address) boundPort = address.port;
    this.listeners.set(boundPort, server);
    this.log.info(`remote forward: listening on port ${boundPort} for ${bindAddr}:${bindPort}`);
    return boundPort;
  }

  /** Stops the listener on `port`; false when there is none. */
  cancel(port: number): boolean {
    const server = this.listeners.get(port);
    if (!server) return false;
    this.listeners.delete(port);
    server.close();
    this.log.info(`remote forward: stopped port ${port}`);
    return true;
  }

  /** Stops every listener (the connection is gone). */
  closeAll(): void {
    for (const port of [...this.listeners.keys()]) this.cancel(port);
  }

  private forward(bindAddr: string, boundPort: number, socket: Socket): void {
    const origin = { address: socket.remoteAddress ?? '0.0.0.0', port: socket.remotePort ?? 0 };
    this.client.forwardOut(bindAddr, boundPort, origin.address, origin.port, (error, channel) => {
      if (error) {
        this.log.debug(`remote forward ${boundPort}: client refused channel: ${error.message}`);
        return void socket.destroy();
      }
      this.track(1);
      joinChannel(channel, socket, () => this.track(-1));
      socket.resume();
    });
  }
}
