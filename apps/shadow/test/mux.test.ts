/** The agent's mux server (@ktctl/mux), the laptop's data path: the real bundle, a real MuxClient. */
import { readFile, writeFile } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MuxClient } from '@ktctl/mux';
import { freePort } from '@ktctl/testkit';
import { spawnAgent, type AgentProcess } from './support/agent.js';

let agent: AgentProcess;
let echo: Server;
let echoPort: number;

beforeAll(async () => {
  agent = await spawnAgent({}, { dnsPort: await freePort() });
  echo = createServer((socket) => socket.pipe(socket));
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  echoPort = (echo.address() as { port: number }).port;
});

afterAll(async () => {
  echo?.close();
  await agent?.stop();
});

function tcp(host = '127.0.0.1'): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port: agent.muxPort }, () => resolve(socket));
    socket.once('error', reject);
  });
}

async function session(keyPath = agent.key): Promise<MuxClient> {
  return MuxClient.connect({ transport: await tcp(), privateKey: await readFile(keyPath, 'utf8'), handshakeTimeoutMs: 5_000 });
}

function roundTrip(stream: NodeJS.ReadWriteStream, text: string): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    stream.on('data', (d: Buffer) => {
      got += d.toString();
      if (got.length >= text.length) resolve(got);
    });
    stream.write(text);
  });
}

describe('the mux server', () => {
  it('carries a stream for the authorized key', async () => {
    const client = await session();
    const stream = await client.dial('127.0.0.1', echoPort);
    expect(await roundTrip(stream, 'ping over mux')).toBe('ping over mux');
    client.close();
  });

  it('refuses a key that is not authorized, and takes a rotated key without a restart', async () => {
    await expect(session(agent.otherKey)).rejects.toThrow(/auth/i);
    const original = await readFile(`${agent.dir}/authorized_keys`);
    await writeFile(`${agent.dir}/authorized_keys`, await readFile(`${agent.otherKey}.pub`));
    try {
      const rotated = await session(agent.otherKey);
      rotated.close();
      await expect(session(agent.key)).rejects.toThrow(/auth/i);
    } finally {
      await writeFile(`${agent.dir}/authorized_keys`, original);
    }
  });

  it('listens on loopback only: another local address is refused', async () => {
    await expect(tcp('127.0.0.2')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('answers a closed port with Refused at once', async () => {
    const client = await session();
    await expect(client.dial('127.0.0.1', await freePort())).rejects.toMatchObject({ socksReply: 0x05 });
    client.close();
  });

  it('relays a UDP datagram and its answer on the same flow', async () => {
    const udp = createSocket('udp4');
    udp.on('message', (message, from) => udp.send(Buffer.concat([Buffer.from('re:'), message]), from.port, from.address));
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
    const client = await session();
    const answer = new Promise<string>((resolve) =>
      client.on('datagram', (flow: number, _source: unknown, payload: Buffer) => flow === 7 && resolve(payload.toString())),
    );
    expect(client.sendDatagram(7, { address: '127.0.0.1', port: udp.address().port }, Buffer.from('hi'))).toBe(true);
    expect(await answer).toBe('re:hi');
    client.close();
    udp.close();
  });
});
