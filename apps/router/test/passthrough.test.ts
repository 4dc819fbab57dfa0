import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, ruleSet, startInProcess, type InProcess } from './support/harness.js';

/** The start of a TLS 1.2 ClientHello record (content type 22, version 3.1) with a little payload. */
const CLIENT_HELLO = Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x00, 0x2f, 0x01, 0x00, 0x00, 0x2b, 0x03, 0x03]), Buffer.alloc(40, 7)]);

describe('connections that are not HTTP go to the default backend untouched', () => {
  let stuntman: Server;
  let router: InProcess;
  const received: Buffer[] = [];

  beforeAll(async () => {
    // Speaks first when the client is silent; otherwise echoes, prefixed, and half-closes after the client does.
    stuntman = createServer({ allowHalfOpen: true }, (socket: Socket) => {
      const greet = setTimeout(() => socket.write('220 stuntman ready\r\n'), 50);
      socket.on('data', (d) => (clearTimeout(greet), received.push(d), socket.write(Buffer.concat([Buffer.from('echo:'), d]))));
      socket.on('end', () => socket.end('bye'));
    });
    const port = await listen(stuntman);
    router = await startInProcess({ stuntman: port, mesh: 1 }, ruleSet(1, [['x-version', 'abc', 'mesh']]), { sniffTimeoutMs: 150 });
  });
  afterAll(async () => {
    await router.close();
    stuntman.close();
  });

  it('passes a TLS ClientHello through byte for byte, with half-close', async () => {
    const socket = connect({ port: router.port, host: '127.0.0.1', allowHalfOpen: true });
    const chunks: Buffer[] = [];
    socket.on('data', (d) => chunks.push(d));
    socket.write(CLIENT_HELLO);
    await new Promise((r) => setTimeout(r, 100));
    socket.end();
    await new Promise((r) => socket.on('close', r));
    expect(Buffer.concat(received).equals(CLIENT_HELLO)).toBe(true);
    expect(Buffer.concat(chunks).equals(Buffer.concat([Buffer.from('echo:'), CLIENT_HELLO, Buffer.from('bye')]))).toBe(true);
  });

  it('lets a server-first protocol greet a silent client', async () => {
    received.length = 0;
    const socket = connect(router.port, '127.0.0.1');
    const greeting = await new Promise<string>((resolve) => socket.once('data', (d) => resolve(String(d))));
    expect(greeting).toBe('220 stuntman ready\r\n');
    socket.write('QUIT\r\n');
    const reply = await new Promise<string>((resolve) => socket.once('data', (d) => resolve(String(d))));
    expect(reply).toBe('echo:QUIT\r\n');
    socket.destroy();
  });

  it('passes through a text protocol that only looks a little like HTTP', async () => {
    received.length = 0;
    const socket = connect(router.port, '127.0.0.1');
    socket.write('PING\r\n');
    const reply = await new Promise<string>((resolve) => socket.once('data', (d) => resolve(String(d))));
    expect(reply).toBe('echo:PING\r\n');
    socket.destroy();
  });
});
