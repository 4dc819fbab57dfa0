import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MuxStreamError } from './stream.js';
import { readAll, startFixture, tcpServer, type Fixture } from './test-helper.js';
import { ErrorCode } from './wire.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(): Promise<Fixture> {
  const fixture = await startFixture();
  cleanups.push(() => fixture.close());
  return fixture;
}

async function echoServer(): Promise<number> {
  const echo = await tcpServer((socket) => socket.pipe(socket));
  cleanups.push(echo.close);
  return echo.port;
}

const sha = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

describe('streams', () => {
  it('carries bytes both ways intact (8 MiB through an echo server)', async () => {
    const [fixture, port] = await Promise.all([setup(), echoServer()]);
    const client = await fixture.connect();
    const stream = await client.dial('127.0.0.1', port);
    const data = randomBytes(8 << 20);
    const received = readAll(stream);
    stream.end(data);
    expect(sha(await received)).toBe(sha(data));
  });

  it('answers "refused" at once for a closed port', async () => {
    const fixture = await setup();
    const closed = await tcpServer(() => undefined);
    await closed.close();
    const client = await fixture.connect();
    const started = Date.now();
    const error = await client.dial('127.0.0.1', closed.port).catch((e: MuxStreamError) => e);
    expect(error).toBeInstanceOf(MuxStreamError);
    expect((error as MuxStreamError).code).toBe(ErrorCode.Refused);
    expect(Date.now() - started).toBeLessThan(500);
    expect(client.load).toBe(0);
  });

  it('half-closes from the laptop: the target sees FIN and can still answer', async () => {
    const fixture = await setup();
    const target = await tcpServer((socket) => {
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('end', () => socket.end(`got ${Buffer.concat(chunks).length} bytes`));
    });
    cleanups.push(target.close);
    const client = await fixture.connect();
    const stream = await client.dial('127.0.0.1', target.port);
    const closed = once(stream, 'close');
    stream.end(Buffer.alloc(3000, 1));
    expect((await readAll(stream)).toString()).toBe('got 3000 bytes');
    await closed;
    expect(client.load).toBe(0);
  });

  it('half-closes from the target: the laptop sees end and can still send', async () => {
    const fixture = await setup();
    let heard: Promise<string> = Promise.resolve('');
    const target = await tcpServer((socket: Socket) => {
      heard = readAll(socket).then((b) => b.toString());
      socket.end('hello and goodbye');
    });
    cleanups.push(target.close);
    const client = await fixture.connect();
    const stream = await client.dial('127.0.0.1', target.port);
    expect((await readAll(stream)).toString()).toBe('hello and goodbye');
    stream.end('still here');
    await once(stream, 'finish');
    await new Promise((r) => setTimeout(r, 50));
    expect(await heard).toBe('still here');
  });

  it('carries 1 000 streams at once', async () => {
    const [fixture, port] = await Promise.all([setup(), echoServer()]);
    const client = await fixture.connect();
    const results = await Promise.all(
      Array.from({ length: 1000 }, async (_, i) => {
        const stream = await client.dial('127.0.0.1', port);
        const received = readAll(stream);
        stream.end(Buffer.alloc(2048, i % 251));
        const data = await received;
        return data.length === 2048 && data.every((b) => b === i % 251);
      }),
    );
    expect(results.filter(Boolean)).toHaveLength(1000);
    await new Promise((r) => setTimeout(r, 50));
    expect(client.load).toBe(0);
  }, 30_000);

  it('sends what 100 streams write in one event-loop turn as one transport write (one WebSocket message)', async () => {
    const [fixture, port] = await Promise.all([setup(), echoServer()]);
    const client = await fixture.connect();
    const streams = await Promise.all(Array.from({ length: 100 }, () => client.dial('127.0.0.1', port)));
    await new Promise((r) => setImmediate(r));
    const before = client.writer.writes;
    for (const stream of streams) stream.write(Buffer.alloc(1000, 5));
    await new Promise((r) => setImmediate(r));
    expect(client.writer.writes - before).toBe(1);
    for (const stream of streams) stream.destroy();
  });

  it('resets: destroying the laptop side closes the target connection', async () => {
    const fixture = await setup();
    let closed: Promise<unknown> = Promise.resolve();
    const target = await tcpServer((socket) => {
      socket.resume();
      // allowHalfOpen: the cut shows as 'end' (FIN) here, not 'close'.
      closed = once(socket, 'end');
    });
    cleanups.push(target.close);
    const client = await fixture.connect();
    const stream = await client.dial('127.0.0.1', target.port);
    stream.write('x');
    await new Promise((r) => setTimeout(r, 30));
    stream.destroy();
    await closed;
  });
});
