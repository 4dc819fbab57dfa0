/** The relay client against the real shadow agent (mux datagrams) over a real mux session, and a UDP echo on loopback. */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type Agent } from '../../test/agent.js';
import { MuxPool } from '../mux/mux-pool.js';
import type { DatagramChannel } from '../mux/mux-session.js';
import { UdpRelayClient, type RelayedDatagram } from './relay-client.js';

let agent: Agent;
let echo: UdpSocket;
let echoPort: number;
const sources: string[] = [];
/** Where each payload came from, as the echo server saw it (late datagrams of an earlier test cannot shift it). */
const sourceOf = new Map<string, string>();
const transports: Socket[] = [];
let pool: MuxPool | undefined;
let client: UdpRelayClient | undefined;

beforeAll(async () => {
  agent = await startAgent();
  echo = createSocket('udp4');
  echo.on('message', (message, from) => {
    sources.push(`${from.address}:${from.port}`);
    sourceOf.set(message.toString(), `${from.address}:${from.port}`);
    echo.send(Buffer.concat([Buffer.from('echo:'), message]), from.port, from.address);
  });
  await new Promise<void>((resolve) => echo.bind(0, '127.0.0.1', resolve));
  echoPort = echo.address().port;
});

afterEach(async () => {
  client?.close();
  await pool?.close();
  transports.splice(0).forEach((t) => t.destroy());
  sources.length = 0;
  sourceOf.clear();
});

afterAll(async () => {
  echo.close();
  await agent.stop();
});

async function startPool(): Promise<MuxPool> {
  pool = new MuxPool({
    openTransport: async () => {
      const socket = connect({ host: '127.0.0.1', port: agent.muxPort });
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
      transports.push(socket);
      return socket;
    },
    privateKey: agent.privateKey,
    sessions: 1,
  });
  await pool.start();
  return pool;
}

/** A relay client on the pool, collecting what comes back. */
function relay(options: { idleMs?: number; maxFlows?: number } = {}): {
  client: UdpRelayClient;
  got: RelayedDatagram[];
  until(n: number): Promise<void>;
} {
  const got: RelayedDatagram[] = [];
  client = new UdpRelayClient({ openChannel: () => pool!.datagramChannel(), onDatagram: (d) => got.push(d), ...options });
  const until = async (n: number): Promise<void> => {
    for (let i = 0; i < 100 && got.length < n; i++) await sleep(50);
    expect(got.length).toBeGreaterThanOrEqual(n);
  };
  return { client, got, until };
}

const laptop = (port: number) => ({ address: '198.18.0.1', port });
const cluster = () => ({ address: '127.0.0.1', port: echoPort });

describe('UdpRelayClient against the shadow agent', () => {
  it('relays both ways, one flow (one socket in the pod) per laptop and cluster endpoint pair', async () => {
    await startPool();
    const r = relay();
    r.client.send(laptop(5000), cluster(), Buffer.from('a'));
    r.client.send(laptop(5001), cluster(), Buffer.from('b'));
    await r.until(2);
    r.client.send(laptop(5000), cluster(), Buffer.from('c'));
    await r.until(3);
    const byPayload = new Map(r.got.map((d) => [d.payload.toString(), d]));
    expect(byPayload.get('echo:a')).toEqual({ source: cluster(), destination: laptop(5000), payload: Buffer.from('echo:a') });
    expect(byPayload.get('echo:b')?.destination).toEqual(laptop(5001));
    expect(byPayload.get('echo:c')?.destination).toEqual(laptop(5000));
    // a and c share a flow, so the echo server saw one source for them and another for b.
    expect(new Set(sources).size).toBe(2);
    expect(sources[0]).toBe(sources[2]);
    expect(r.client.stats).toMatchObject({ sent: 3, received: 3, flows: 2, channelsOpened: 1, dropped: 0 });
  });

  it('closes idle flows; the next datagram gets a fresh one', async () => {
    await startPool();
    const r = relay({ idleMs: 600 });
    r.client.send(laptop(6000), cluster(), Buffer.from('x'));
    await r.until(1);
    await sleep(1_500);
    expect(r.client.stats.flows).toBe(0);
    r.client.send(laptop(6000), cluster(), Buffer.from('y'));
    await r.until(2);
    expect(sources[1]).not.toBe(sources[0]);
  });

  it('takes a new session after the mux session dropped, and keeps relaying', async () => {
    await startPool();
    const r = relay();
    r.client.send(laptop(7000), cluster(), Buffer.from('before'));
    await r.until(1);
    transports[0]!.destroy();
    for (let i = 0; i < 100 && r.client.stats.flows > 0; i++) await sleep(50);
    expect(r.client.stats.flows).toBe(0);
    // Sent while the pool reconnects: queued (bounded), then delivered on the new channel.
    r.client.send(laptop(7000), cluster(), Buffer.from('after'));
    await r.until(2);
    expect(r.got[1]!.payload.toString()).toBe('echo:after');
    expect(r.client.stats.channelsOpened).toBe(2);
  });

  it('forgets a flow the agent refuses (beyond its 1024 flows per channel)', async () => {
    await startPool();
    const r = relay({ maxFlows: 2000 });
    for (let port = 10_000; port < 11_025; port++) r.client.send(laptop(port), cluster(), Buffer.from('n'));
    for (let i = 0; i < 100 && r.client.stats.flows > 1024; i++) await sleep(50);
    expect(r.client.stats.flows).toBe(1024);
    expect(r.got.some((d) => d.destination.port === 11_024)).toBe(false);
  }, 15_000);

  it('evicts the least recently used flow beyond its own bound', async () => {
    await startPool();
    const r = relay({ maxFlows: 2 });
    r.client.send(laptop(8000), cluster(), Buffer.from('lru-1'));
    await sleep(5);
    r.client.send(laptop(8001), cluster(), Buffer.from('lru-2'));
    await r.until(2);
    r.client.send(laptop(8000), cluster(), Buffer.from('lru-3'));
    r.client.send(laptop(8002), cluster(), Buffer.from('lru-4'));
    await r.until(4);
    expect(r.client.stats.flows).toBe(2);
    r.client.send(laptop(8000), cluster(), Buffer.from('lru-5'));
    await r.until(5);
    // 8000 kept its flow (recently used), so the same agent socket sent 1, 3 and 5; 8001's was closed for 8002.
    expect(new Set(['lru-1', 'lru-3', 'lru-5'].map((p) => sourceOf.get(p))).size).toBe(1);
    expect(sourceOf.get('lru-2')).not.toBe(sourceOf.get('lru-1'));
  });
});

describe('UdpRelayClient bounds', () => {
  it('queues a bounded amount while the channel opens, drops the rest, then sends the queue', async () => {
    let open: (channel: DatagramChannel) => void = () => undefined;
    const got: RelayedDatagram[] = [];
    client = new UdpRelayClient({
      openChannel: () => new Promise((resolve) => (open = resolve)),
      onDatagram: (d) => got.push(d),
      maxQueuedBytes: 4096,
    });
    for (let i = 0; i < 10; i++) client.send(laptop(9000), { address: '10.0.0.1', port: 9 }, Buffer.alloc(1000));
    expect(client.stats.dropped).toBe(6);
    const written: Buffer[] = [];
    const channel: DatagramChannel = {
      send: (_flow, _to, payload) => (written.push(payload), true),
      closeFlow: () => undefined,
      onDatagram: () => undefined,
      onFlowClose: () => undefined,
      onClose: () => undefined,
      isOpen: true,
    };
    open(channel);
    await sleep(10);
    expect(written.map((w) => w.length)).toEqual(Array(4).fill(1000));
  });

  it('drops datagrams for a while after the channel failed to open, then tries again', async () => {
    let attempts = 0;
    client = new UdpRelayClient({
      openChannel: async () => (attempts++, Promise.reject(new Error('refused'))),
      onDatagram: () => undefined,
      retryAfterMs: 200,
    });
    client.send(laptop(9100), { address: '10.0.0.1', port: 9 }, Buffer.from('a'));
    await sleep(10);
    client.send(laptop(9100), { address: '10.0.0.1', port: 9 }, Buffer.from('b'));
    expect(attempts).toBe(1);
    expect(client.stats.dropped).toBe(2);
    await sleep(250);
    client.send(laptop(9100), { address: '10.0.0.1', port: 9 }, Buffer.from('c'));
    await sleep(10);
    expect(attempts).toBe(2);
  });
});
