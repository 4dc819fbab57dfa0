/**
 * Hostile peers against the bundled agent (bounded fuzz): random, truncated and mutated bytes into every port
 * it serves — SSH, the mux port, DNS over UDP and TCP — and random or truncated frames into the UDP relay
 * (through an authenticated SSH subsystem and through a mux session's datagrams). The agent must stay up,
 * its memory bounded, and another client's mux stream, SSH channel and DNS keep answering meanwhile.
 */
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { readFile } from 'node:fs/promises';
import { connect, createServer, type Server } from 'node:net';
import { readFileSync } from 'node:fs';
import { encodeFrame, FrameKind, UDP_RELAY_SUBSYSTEM } from '@ktctl/agent-contract';
import { MuxClient, type MuxStream } from '@ktctl/mux';
import { freePort } from '@ktctl/testkit';
import type ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnAgent, type AgentProcess } from './support/agent.js';
import { connectClient, openChannel, openSubsystem } from './support/ssh-client.js';

const ITERATIONS = Number(process.env.KT_FUZZ_ITERATIONS ?? 1500);
const PARALLEL = 32;

let agent: AgentProcess;
let echo: Server;
let echoPort: number;
let sshClient: ssh2.Client;
let mux: MuxClient;
let muxStream: MuxStream;
/** The first bytes a real mux client sends (its hello), recorded once, then truncated and mutated. */
let muxHello: Buffer;
const sshHello = Buffer.from('SSH-2.0-OpenSSH_9.2p1 Debian\r\n');

function rssMiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
}

async function recordMuxHello(key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const recorder = createServer((s) => s.on('data', (d: Buffer) => chunks.push(d)));
  await new Promise<void>((r) => recorder.listen(0, '127.0.0.1', r));
  const port = (recorder.address() as { port: number }).port;
  const transport = connect({ host: '127.0.0.1', port });
  await MuxClient.connect({ transport, privateKey: key, handshakeTimeoutMs: 300 }).catch(() => undefined);
  transport.destroy();
  recorder.close();
  return Buffer.concat(chunks);
}

beforeAll(async () => {
  agent = await spawnAgent({ KT_LOG_LEVEL: 'info' }, { dnsPort: await freePort() });
  echo = createServer((socket) => socket.on('error', () => undefined).pipe(socket));
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  echoPort = (echo.address() as { port: number }).port;
  const key = await readFile(agent.key, 'utf8');
  muxHello = await recordMuxHello(key);
  sshClient = await connectClient(agent);
  const transport = connect({ host: '127.0.0.1', port: agent.muxPort });
  await new Promise((r) => transport.once('connect', r));
  mux = await MuxClient.connect({ transport, privateKey: key, handshakeTimeoutMs: 5_000 });
  muxStream = await mux.dial('127.0.0.1', echoPort);
}, 30_000);

afterAll(async () => {
  mux?.close();
  sshClient?.end();
  echo?.close();
  await agent?.stop();
});

function roundTrip(stream: NodeJS.ReadWriteStream, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    const timer = setTimeout(() => reject(new Error(`no echo of ${text} (got ${got})`)), 5_000);
    const onData = (d: Buffer) => {
      got += d.toString();
      if (got.length >= text.length) (clearTimeout(timer), stream.off('data', onData), resolve(got));
    };
    stream.on('data', onData);
    stream.write(text);
  });
}

/** A DNS query for `name` (A, IN, recursion desired). */
function dnsQuery(name: string): Buffer {
  const labels = name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
  return Buffer.concat([Buffer.from([0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]), ...labels, Buffer.from([0, 0, 1, 0, 1])]);
}

function mutate(buf: Buffer): Buffer {
  const copy = Buffer.from(buf);
  if (copy.length === 0) return randomBytes(8);
  for (let i = 0; i < 1 + Math.floor(Math.random() * 4); i++)
    copy[Math.floor(Math.random() * copy.length)] = Math.floor(Math.random() * 256);
  return copy;
}

function truncate(buf: Buffer): Buffer {
  return buf.subarray(0, Math.floor(Math.random() * buf.length));
}

/** One of: random bytes, a truncated or mutated good opening, a good opening followed by garbage. */
function hostileBytes(good: Buffer): Buffer {
  switch (Math.floor(Math.random() * 4)) {
    case 0:
      return randomBytes(1 + Math.floor(Math.random() * 1024));
    case 1:
      return truncate(good);
    case 2:
      return mutate(good);
    default:
      return Buffer.concat([good, randomBytes(Math.floor(Math.random() * 512))]);
  }
}

/** Writes bytes on a fresh TCP connection, then ends or drops it; resolves on close or after 1 s. */
function throwTcp(port: number, bytes: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => socket.destroy(), 1_000);
    socket.on('error', () => undefined);
    socket.on('data', () => undefined);
    socket.once('close', () => (clearTimeout(timer), resolve()));
    socket.once('connect', () => (Math.random() < 0.5 ? socket.end(bytes) : (socket.write(bytes), socket.destroy())));
  });
}

async function batches(count: number, one: () => Promise<void>, between: () => Promise<void>): Promise<void> {
  for (let done = 0; done < count; done += PARALLEL) {
    await Promise.all(Array.from({ length: Math.min(PARALLEL, count - done) }, one));
    if (done % (PARALLEL * 10) === 0) await between();
  }
}

const figures: string[] = [];

/** The other client's sessions, still answering. */
async function othersStillServed(): Promise<void> {
  expect(await roundTrip(muxStream, 'still here over mux')).toBe('still here over mux');
  const channel = await openChannel(sshClient, '127.0.0.1', echoPort);
  expect(await roundTrip(channel, 'still here over ssh')).toBe('still here over ssh');
  channel.close();
  expect(agent.child.exitCode, agent.output()).toBeNull();
}

describe('the agent under hostile peers', () => {
  it.each([
    ['SSH', () => agent.sshPort, () => sshHello],
    ['mux', () => agent.muxPort, () => muxHello],
    [
      'DNS over TCP',
      () => agent.dnsPort,
      () => Buffer.concat([Buffer.from([0, 29]), dnsQuery('echo.default.svc.cluster.local').subarray(0, 29)]),
    ],
  ] as const)(
    '%s port: hostile connections',
    async (name, port, good) => {
      const before = rssMiB(agent.child.pid!);
      await batches(ITERATIONS, () => throwTcp(port(), hostileBytes(good())), othersStillServed);
      await othersStillServed();
      const after = rssMiB(agent.child.pid!);
      figures.push(`${name}: ${ITERATIONS} connections, rss ${before.toFixed(0)} → ${after.toFixed(0)} MiB`);
      expect(after - before).toBeLessThan(64);
    },
    120_000,
  );

  it('DNS over UDP: random, truncated and mutated queries', async () => {
    const before = rssMiB(agent.child.pid!);
    const udp = createSocket('udp4');
    udp.on('message', () => undefined);
    const good = dnsQuery('echo.default.svc.cluster.local');
    try {
      await batches(
        ITERATIONS * 2,
        () => new Promise<void>((resolve) => udp.send(hostileBytes(good), agent.dnsPort, '127.0.0.1', () => resolve())),
        othersStillServed,
      );
    } finally {
      udp.close();
    }
    await othersStillServed();
    const after = rssMiB(agent.child.pid!);
    figures.push(`DNS over UDP: ${ITERATIONS * 2} datagrams, rss ${before.toFixed(0)} → ${after.toFixed(0)} MiB`);
    expect(after - before).toBeLessThan(64);
  }, 120_000);

  it('UDP relay: random and truncated frames in an authenticated subsystem, lying datagrams over mux', async () => {
    const before = rssMiB(agent.child.pid!);
    const good = encodeFrame({ kind: FrameKind.Datagram, flow: 1, address: '127.0.0.1', port: echoPort, payload: Buffer.from('x') });
    await batches(
      ITERATIONS / 4,
      async () => {
        const channel = await openSubsystem(sshClient, UDP_RELAY_SUBSYSTEM);
        channel.on('data', () => undefined);
        channel.on('error', () => undefined);
        channel.write(hostileBytes(good));
        channel.close();
      },
      othersStillServed,
    );
    // Datagrams to addresses and ports a hostile laptop might name, on many flows, then every flow closed.
    for (let flow = 1; flow <= ITERATIONS; flow++) {
      mux.sendDatagram(
        flow,
        { address: Math.random() < 0.5 ? '127.0.0.1' : '::1', port: Math.floor(Math.random() * 65536) },
        randomBytes(64),
      );
      if (flow % 100 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    for (let flow = 1; flow <= ITERATIONS; flow++) mux.closeFlow(flow);
    await othersStillServed();
    const after = rssMiB(agent.child.pid!);
    figures.push(
      `UDP relay: ${ITERATIONS / 4} subsystem channels + ${ITERATIONS} mux flows, rss ${before.toFixed(0)} → ${after.toFixed(0)} MiB`,
    );
    expect(after - before).toBeLessThan(64);
    console.log(`shadow hostile:\n  ${figures.join('\n  ')}`);
  }, 120_000);
});
