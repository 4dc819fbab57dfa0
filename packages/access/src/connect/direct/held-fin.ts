import { Duplex } from 'node:stream';

/**
 * After the laptop's FIN, the port-forward closes once the pod has sent nothing for this long. Long
 * enough for an answer already being produced to start flowing (each chunk restarts it), short enough
 * that a server waiting for the FIN (an echo server) sees its connection close promptly.
 */
export const QUIET_CLOSE_MS = 500;

/**
 * A port-forward stream with the laptop's half-close held back. The port-forward protocol has no
 * half-close: ending our side closes the WebSocket at once (what kubectl port-forward does), and the
 * answer still on its way is lost. So the laptop's FIN closes the stream only once the pod has been quiet
 * for QUIET_CLOSE_MS, or when the pod's side ends. (A server that takes longer to start its answer after
 * the client's FIN needs the shadow path, which carries half-close: `--disableDirectPath`.)
 */
export class HeldFinStream extends Duplex {
  private quiet: NodeJS.Timeout | undefined;

  constructor(private readonly inner: Duplex) {
    super({ allowHalfOpen: true });
    inner.on('data', (chunk: Buffer) => {
      this.quiet?.refresh();
      if (!this.push(chunk)) inner.pause();
    });
    inner.once('end', () => this.push(null));
    inner.once('error', (error: Error) => this.destroy(error));
    inner.once('close', () => this.destroy());
  }

  override _read(): void {
    this.inner.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.inner.write(chunk)) callback();
    else this.inner.once('drain', () => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.readableEnded) this.inner.destroy();
    else this.quiet = setTimeout(() => this.inner.end(), QUIET_CLOSE_MS);
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    clearTimeout(this.quiet);
    this.inner.destroy();
    callback(error);
  }
}
