/**
 * Many channels at once, and backpressure: a laptop that stops reading one channel must stall only that
 * channel, and must not make the agent buffer without bound.
 */
import { createServer, type AddressInfo, type Server } from 'node:net';
import type ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnAgent, type AgentProcess } from './support/agent.js';
import { freePort } from '@ktctl/testkit';
import { connectClient, openChannel, rssMiB } from './support/ssh-client.js';

let agent: AgentProcess;
let client: ssh2.Client;
const servers: Server[] = [];

async function listen(onConnection: (socket: import('node:net').Socket) => void): Promise<number> {
  const server = createServer(onConnection);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

beforeAll(async () => {
  agent = await spawnAgent({}, { dnsPort: await freePort() });
  client = await connectClient(agent);
});

afterAll(async () => {
  client?.end();
  servers.forEach((s) => s.close());
  await agent?.stop();
});

describe('direct-tcpip channels', () => {
  it('carries 100 concurrent channels, each echoing its own data', async () => {
    const echo = await listen((socket) => socket.pipe(socket));
    const channels = await Promise.all(Array.from({ length: 100 }, () => openChannel(client, '127.0.0.1', echo)));
    const replies = await Promise.all(
      channels.map((channel, i) => {
        const payload = Buffer.alloc(64 * 1024, i);
        return new Promise<boolean>((resolve) => {
          const got: Buffer[] = [];
          let size = 0;
          channel.on('data', (chunk: Buffer) => {
            got.push(chunk);
            size += chunk.length;
            if (size === payload.length) resolve(Buffer.concat(got).equals(payload));
          });
          channel.write(payload);
        });
      }),
    );
    expect(replies.every(Boolean)).toBe(true);
    channels.forEach((c) => c.close());
  });

  it('a channel whose reader stalls holds back only its own sender, with bounded agent memory', async () => {
    let produced = 0;
    const firehose = await listen((socket) => {
      const chunk = Buffer.alloc(64 * 1024, 1);
      const pump = (): void => {
        // Bounded: at most 256 MiB even if backpressure were broken.
        while (produced < 256 * 1024 * 1024 && socket.write(chunk)) produced += chunk.length;
      };
      socket.on('drain', pump).on('error', () => undefined);
      pump();
    });
    const echo = await listen((socket) => socket.pipe(socket));
    const before = await rssMiB(agent.child.pid!);
    const stalled = await openChannel(client, '127.0.0.1', firehose);
    stalled.pause();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const producedWhileStalled = produced;

    const other = await openChannel(client, '127.0.0.1', echo);
    const reply = await new Promise<string>((resolve) => {
      other.once('data', (data: Buffer) => resolve(data.toString()));
      other.write('still flowing');
    });
    expect(reply).toBe('still flowing');

    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(produced).toBeLessThan(32 * 1024 * 1024);
    expect(produced - producedWhileStalled).toBeLessThan(4 * 1024 * 1024);
    expect((await rssMiB(agent.child.pid!)) - before).toBeLessThan(48);
    stalled.resume();
    stalled.close();
    other.close();
  });
});

describe('channel end', () => {
  it('delivers every byte a server sent before closing, even when the laptop reads late', async () => {
    const size = 24 * 1024 * 1024;
    const sender = await listen((socket) => socket.end(Buffer.alloc(size, 3)));
    const channel = await openChannel(client, '127.0.0.1', sender);
    channel.pause();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const received = await new Promise<number>((resolve) => {
      let n = 0;
      channel.on('data', (d: Buffer) => (n += d.length));
      channel.on('end', () => resolve(n));
      channel.resume();
    });
    expect(received).toBe(size);
  });

  it('delivers every byte the laptop sent before closing the channel', async () => {
    const size = 8 * 1024 * 1024;
    let got = 0;
    const done = new Promise<void>((resolve) => {
      void listen((socket) => socket.on('data', (d: Buffer) => (got += d.length)).on('end', () => (socket.end(), resolve())));
    }).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const port = (servers.at(-1)!.address() as AddressInfo).port;
    const channel = await openChannel(client, '127.0.0.1', port);
    channel.end(Buffer.alloc(size, 4));
    await done;
    expect(got).toBe(size);
  });
});

describe('half-close', () => {
  it('keeps the laptop-to-server direction open after the server sent FIN', async () => {
    const heard = new Promise<string>((resolve) => {
      void listen((socket) => {
        let text = '';
        socket.on('data', (d: Buffer) => (text += d.toString())).on('end', () => resolve(text));
        socket.end('hello');
      });
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const port = (servers.at(-1)!.address() as AddressInfo).port;
    const channel = await openChannel(client, '127.0.0.1', port);
    const greeting = await new Promise<string>((resolve) => {
      let text = '';
      channel.on('data', (d: Buffer) => (text += d.toString())).once('end', () => resolve(text));
    });
    expect(greeting).toBe('hello');
    channel.end('world');
    expect(await heard).toBe('world');
  });
});

describe('authentication by library client', () => {
  it('rejects a password', async () => {
    await expect(connectClient(agent, { password: 'hunter2' })).rejects.toThrow(/authentication methods failed/);
  });
});
