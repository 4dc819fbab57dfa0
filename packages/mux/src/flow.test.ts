import { Duplex } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { dialTcp } from './handlers.js';
import { readAll, startFixture, tcpServer, until, type Fixture } from './test-helper.js';

const WINDOW = 256 << 10;

/** A target in memory whose reading the test controls: bytes counted, callbacks held while stalled. */
class Sink extends Duplex {
  accepted = 0;
  stalled = true;
  private held: Array<() => void> = [];
  constructor() {
    super({ allowHalfOpen: true, writableHighWaterMark: 16 << 10 });
  }
  override _write(chunk: Buffer, _e: BufferEncoding, callback: () => void): void {
    this.accepted += chunk.length;
    if (this.stalled) this.held.push(callback);
    else callback();
  }
  override _read(): void {}
  unstall(): void {
    this.stalled = false;
    for (const callback of this.held.splice(0)) callback();
  }
}

/** A target that sends `total` bytes as fast as its reader takes them, then FIN. */
class Source extends Duplex {
  sent = 0;
  constructor(private readonly total: number) {
    super({ allowHalfOpen: true, readableHighWaterMark: 16 << 10 });
  }
  override _read(): void {
    while (this.sent < this.total) {
      this.sent += 64 << 10;
      if (!this.push(Buffer.alloc(64 << 10, 9))) return;
    }
    this.push(null);
  }
  override _write(_c: Buffer, _e: BufferEncoding, callback: () => void): void {
    callback();
  }
}

let fixture: Fixture;
const targets: { sink?: Sink; source?: Source } = {};
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  await fixture.close();
});

async function setup(): Promise<{ echoPort: number }> {
  fixture = await startFixture({
    streamWindow: WINDOW,
    handlers: {
      dial: async (host, port) =>
        host === 'sink' ? (targets.sink = new Sink()) : host === 'source' ? (targets.source = new Source(64 << 20)) : dialTcp(host, port),
    },
  });
  const echo = await tcpServer((socket) => socket.pipe(socket));
  cleanups.push(echo.close);
  return { echoPort: echo.port };
}

/** Writes `total` bytes as long as write() says yes; returns how much went in before it said no. */
function writeUntilFull(stream: Duplex, total: number): number {
  let written = 0;
  while (written < total) {
    written += 64 << 10;
    if (!stream.write(Buffer.alloc(64 << 10, 1))) break;
  }
  return written;
}

async function echoRoundTrip(client: Awaited<ReturnType<Fixture['connect']>>, port: number): Promise<boolean> {
  const stream = await client.dial('127.0.0.1', port);
  const data = randomBytes(2 << 20);
  const received = readAll(stream);
  stream.end(data);
  return (await received).equals(data);
}

describe('flow control', () => {
  it('stops a sender at the window and resumes it when the reader reads', async () => {
    await setup();
    const client = await fixture.connect({ streamWindow: WINDOW });
    const stream = await client.dial('sink', 1);
    stream.on('error', () => undefined); // reset when the fixture closes
    expect(stream.sendCredit).toBe(WINDOW);
    const offered = writeUntilFull(stream, 8 << 20);
    await until(() => stream.sendCredit === 0, 2_000, 'credit used up');
    await new Promise((r) => setTimeout(r, 100));
    // Stalled: the agent holds at most one window plus the sink's small buffer, not the 8 MiB offered.
    expect(offered).toBeLessThan(2 * WINDOW);
    expect(targets.sink!.accepted).toBeLessThanOrEqual(WINDOW);
    // Out of credit, a write is held: write() says no as soon as the 64 KiB stream buffer is full.
    expect(stream.write(Buffer.alloc(64 << 10))).toBe(false);
    let drained = false;
    stream.once('drain', () => (drained = true));
    targets.sink!.unstall();
    await until(() => drained, 2_000, 'drain after the reader resumed');
    stream.end(Buffer.alloc(4 << 20));
    await until(() => targets.sink!.accepted === offered + (64 << 10) + (4 << 20), 5_000, 'every byte at the sink');
  });

  it('a stalled reader in the pod stalls its own stream only', async () => {
    const { echoPort } = await setup();
    const client = await fixture.connect({ streamWindow: WINDOW });
    const stalled = await client.dial('sink', 1);
    stalled.on('error', () => undefined);
    writeUntilFull(stalled, 8 << 20);
    await until(() => stalled.sendCredit === 0, 2_000, 'credit used up');
    expect(await echoRoundTrip(client, echoPort)).toBe(true);
    expect(targets.sink!.accepted).toBeLessThanOrEqual(WINDOW);
  });

  it('a stalled reader on the laptop stalls its own stream only, and holds at most one window', async () => {
    const { echoPort } = await setup();
    const client = await fixture.connect({ streamWindow: WINDOW });
    const stalled = await client.dial('source', 1);
    stalled.pause();
    await until(() => stalled.readableLength >= WINDOW - (64 << 10), 2_000, 'the window filled');
    expect(await echoRoundTrip(client, echoPort)).toBe(true);
    expect(stalled.readableLength).toBeLessThanOrEqual(WINDOW);
    expect(targets.source!.sent).toBeLessThan(WINDOW + (256 << 10));
    const all = await readAll(stalled.resume());
    expect(all.length).toBe(64 << 20);
  }, 20_000);
});
