import { once } from 'node:events';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { authPayload, readHello } from './auth.js';
import { FrameDecoder } from './decoder.js';
import { parsePrivateKey } from './keys.js';
import { MuxClient } from './client.js';
import { opensshKeyPair, startFixture, tcp, type Fixture } from './test-helper.js';
import { encodeHeader, ErrorCode, FrameType, type Frame } from './wire.js';

let fixture: Fixture | undefined;
afterEach(async () => fixture?.close());

/** Reads frames off a raw socket, speaking the protocol by hand. */
function frames(socket: Socket): { next: () => Promise<Frame> } {
  const decoder = new FrameDecoder();
  const queue: Frame[] = [];
  socket.on('data', (chunk: Buffer) => decoder.push(chunk, (f) => queue.push({ ...f, payload: Buffer.from(f.payload) })));
  return {
    async next() {
      while (queue.length === 0) await once(socket, 'data');
      return queue.shift()!;
    },
  };
}

const send = (socket: Socket, type: number, payload: Buffer): boolean =>
  socket.write(Buffer.concat([encodeHeader(type, 0, 0, payload.length), payload]));

describe('authentication', () => {
  it('lets the run key in', async () => {
    fixture = await startFixture();
    const client = await fixture.connect();
    expect(client.isOpen).toBe(true);
    expect(fixture.server.sessions.size).toBe(1);
  });

  it('refuses another key with GoAway(Auth), and the client promise says why', async () => {
    fixture = await startFixture();
    const transport = await tcp(fixture.port);
    const error = await MuxClient.connect({ transport, privateKey: opensshKeyPair().privateKey }).catch((e: Error & { code: number }) => e);
    expect(error).toMatchObject({ code: ErrorCode.Auth, message: expect.stringMatching(/not authorized/) });
  });

  it('refuses a signature replayed from an earlier session, and garbage in place of one', async () => {
    fixture = await startFixture();
    const key = parsePrivateKey(fixture.privateKey);
    const first = await tcp(fixture.port);
    const firstFrames = frames(first);
    const recorded = authPayload(readHello((await firstFrames.next()).payload), key);
    first.destroy();

    for (const forged of [
      recorded,
      Buffer.concat([recorded.subarray(0, 69), Buffer.alloc(64, 7)]),
      Buffer.concat([recorded.subarray(0, 69), Buffer.alloc(3)]),
    ]) {
      const socket = await tcp(fixture.port);
      const seen = frames(socket);
      expect((await seen.next()).type).toBe(FrameType.Hello);
      send(socket, FrameType.Auth, forged);
      const reply = await seen.next();
      expect([reply.type, reply.payload[0]]).toEqual([FrameType.GoAway, ErrorCode.Auth]);
      await once(socket, 'close');
    }
  });

  it('refuses any other frame before authentication, and a stranger speaking another protocol', async () => {
    fixture = await startFixture();
    const socket = await tcp(fixture.port);
    const seen = frames(socket);
    await seen.next();
    send(socket, FrameType.Open, Buffer.from([0, 1, 0, 0, 0, 80, 0x61]));
    expect((await seen.next()).payload[0]).toBe(ErrorCode.Protocol);
    const ssh = await tcp(fixture.port);
    const sshFrames = frames(ssh);
    await sshFrames.next();
    ssh.write('SSH-2.0-OpenSSH_9.6\r\n');
    expect((await sshFrames.next()).payload[0]).toBe(ErrorCode.Protocol);
  });

  it('drops a client that never authenticates', async () => {
    fixture = await startFixture({ handshakeTimeoutMs: 100 });
    const socket = await tcp(fixture.port);
    socket.resume();
    await once(socket, 'close');
    expect(fixture.server.sessions.size).toBe(0);
  });
});
