import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from '@ktctl/plugin-api';
import { splice, type Dialer } from '../proxy/proxy-server.js';
import { TrackedServer } from '../proxy/tracked-server.js';

/** Where a kernel-redirected connection was going (SO_ORIGINAL_DST on Linux, DIOCNATLOOK on macOS). */
export type OriginalDestination = (socket: Socket) => { host: string; port: number };

export interface RedirectListenerOptions {
  readonly host: string;
  readonly port: number;
  readonly originalDestination: OriginalDestination;
  readonly dial: Dialer;
  readonly logger?: Logger;
}

/**
 * The local end of `--mode sshuttle`: the kernel sends connections for cluster addresses here; each one
 * is joined to a tunnel stream to the address it was really going to.
 */
export class RedirectListener {
  private readonly server = new TrackedServer((socket) => void this.accept(socket));

  constructor(private readonly options: RedirectListenerOptions) {}

  listen(): Promise<AddressInfo> {
    return this.server.listen(this.options.port, this.options.host);
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private async accept(socket: Socket): Promise<void> {
    socket.on('error', (error) => this.options.logger?.debug(`redirected client: ${error.message}`));
    socket.pause();
    let target: { host: string; port: number } | undefined;
    try {
      target = this.options.originalDestination(socket);
      const remote = await this.options.dial(target);
      splice(socket, remote);
      socket.resume();
    } catch (error) {
      this.options.logger?.debug(
        `redirect to ${target ? `${target.host}:${target.port}` : '(unknown)'} failed: ${(error as Error).message}`,
      );
      // A reset, like the refused connection the client would have seen without ktctl.
      socket.resetAndDestroy();
    }
  }
}
