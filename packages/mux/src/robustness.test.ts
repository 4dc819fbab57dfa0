import { randomBytes, randomInt } from 'node:crypto';
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { authPayload, readHello } from './auth.js';
import { FrameDecoder } from './decoder.js';
import { parsePrivateKey } from './keys.js';
import type { MuxSessionError } from './session.js';
import { startFixture, tcp, tcpServer, until, type Fixture } from './test-helper.js';
import { encodeHeader, ErrorCode, FrameType, MAX_CONTROL_PAYLOAD } from './wire.js';

let fixture: Fixture;
afterEach(async () => fixture.close());

/** The agent-side transport of the only session (the fixture's server runs in this process). */
const serverTransport = (): Socket => ([...fixture.server.sessions][0] as unknown as { transport: Socket }).transport;

/** A raw socket past the handshake, to write arbitrary frames as an authenticated laptop. */
async function authenticatedSocket(): Promise<Socket> {
  const socket = await tcp(fixture.port);
  const decoder = new FrameDecoder();
  const authed = new Promise<void>((resolve) => {
    socket.on('data', (chunk: Buffer) =>
      decoder.push(chunk, (frame) => {
        if (frame.type === FrameType.Hello) {
          const payload = authPayload(readHello(frame.payload), parsePrivateKey(fixture.privateKey));
          socket.write(Buffer.concat([encodeHeader(FrameType.Auth, 0, 0, payload.length), payload]));
        }
        if (frame.type === FrameType.AuthOk) resolve();
      }),
    );
  });
  await authed;
  return socket;
}

describe('robustness', () => {
  it('a peer dying in the middle of a frame ends the session with a reason and errors its streams', async () => {
    fixture = await startFixture();
    const target = await tcpServer((socket) => socket.resume());
    try {
      const client = await fixture.connect();
      const stream = await client.dial('127.0.0.1', target.port);
      const streamError = once(stream, 'error');
      const closed = once(client, 'close') as Promise<[MuxSessionError]>;
      const agent = serverTransport();
      agent.write(Buffer.concat([encodeHeader(FrameType.Data, 0, stream.id, 1000), Buffer.alloc(10)]));
      setTimeout(() => agent.destroy(), 20);
      const [reason] = await closed;
      expect(reason.message).toMatch(/middle of a frame/);
      expect(((await streamError)[0] as Error).message).toMatch(/session ended/);
      expect(client.isOpen).toBe(false);
    } finally {
      await target.close();
    }
  });

  it('random and truncated bytes never crash the server, and every such session ends', async () => {
    fixture = await startFixture({ handshakeTimeoutMs: 2_000 });
    const before = process.memoryUsage().heapUsed;
    for (let round = 0; round < 150; round++) {
      const socket = round % 2 ? await tcp(fixture.port) : await authenticatedSocket();
      socket.on('error', () => undefined);
      socket.resume();
      socket.write(garbage(round));
      if (round % 3 === 0) socket.destroy();
      else socket.end();
    }
    await until(() => fixture.server.sessions.size === 0, 10_000, 'every fuzzed session to end');
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(64 << 20);
    const client = await fixture.connect();
    expect(client.isOpen).toBe(true);
  }, 30_000);

  it('a too-short payload of every frame type, after authentication, never escapes as an error', async () => {
    fixture = await startFixture();
    for (let type = 1; type <= 16; type++) {
      const socket = await authenticatedSocket();
      socket.on('error', () => undefined);
      socket.end(Buffer.concat([encodeHeader(type, 0, 1, 1), Buffer.of(0)]));
      await once(socket, 'close');
    }
    await until(() => fixture.server.sessions.size === 0, 5_000, 'every session to end');
  });

  it('close() is a clean end on both sides: GoAway(Ok), no error, open streams fail', async () => {
    fixture = await startFixture();
    const target = await tcpServer((socket) => socket.resume());
    try {
      const client = await fixture.connect();
      const stream = await client.dial('127.0.0.1', target.port);
      const streamError = once(stream, 'error');
      const serverClosed = once([...fixture.server.sessions][0]!, 'close');
      client.close();
      expect((await serverClosed)[0]).toBeUndefined();
      expect(((await streamError)[0] as Error).message).toMatch(/session ended/);
      expect(fixture.server.sessions.size).toBe(0);
    } finally {
      await target.close();
    }
  });

  it('the keepalive ends a session whose peer went silent', async () => {
    fixture = await startFixture();
    const client = await fixture.connect({ keepaliveIntervalMs: 50, keepaliveTimeoutMs: 300 });
    const closed = once(client, 'close') as Promise<[MuxSessionError]>;
    serverTransport().pause(); // the agent stops answering pings, as a hung port-forward would
    const [reason] = await closed;
    expect(reason.code).toBe(ErrorCode.Keepalive);
  });

  it('pings keep an idle but live session open', async () => {
    fixture = await startFixture({ keepaliveIntervalMs: 50, keepaliveTimeoutMs: 300 });
    const client = await fixture.connect({ keepaliveIntervalMs: 50, keepaliveTimeoutMs: 300 });
    await new Promise((r) => setTimeout(r, 700));
    expect(client.isOpen).toBe(true);
  });
});

/** Junk of several shapes: pure noise, a valid header with a lying or huge length, frames of random types. */
function garbage(round: number): Buffer {
  switch (round % 4) {
    case 0:
      return randomBytes(randomInt(1, 4096));
    case 1:
      return encodeHeader(FrameType.Data, 0, 1, 0xffff_ffff);
    case 2: {
      const frames = Array.from({ length: 20 }, () => {
        const payload = randomBytes(randomInt(0, 300));
        return Buffer.concat([encodeHeader(randomInt(1, 17), randomInt(0, 2), randomInt(0, 8), payload.length), payload]);
      });
      const all = Buffer.concat(frames);
      return all.subarray(0, randomInt(1, all.length));
    }
    default:
      return Buffer.concat([encodeHeader(FrameType.Datagram, 0, 1, MAX_CONTROL_PAYLOAD), randomBytes(1000)]);
  }
}
