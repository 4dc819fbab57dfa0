import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { keyPair, startAgent, type Agent } from '../../test/agent.js';
import { MuxPool } from './mux-pool.js';
import { MuxTunnelSession } from './mux-session.js';
import type { TunnelStatus } from '../session/session-pool.js';

let echo: Server;
let echoPort: number;
let agent: Agent | undefined;
let pool: MuxPool | undefined;
const transports: Socket[] = [];

/** Transports are plain TCP connections to the agent here; in ktctl they are port-forward streams. */
function openTransport(port: () => number) {
  return async () => {
    const socket = connect({ host: '127.0.0.1', port: port() });
    socket.setNoDelay(true);
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    transports.push(socket);
    return socket;
  };
}

async function roundTrip(target: MuxPool, text: string): Promise<string> {
  const channel = await target.dial({ host: '127.0.0.1', port: echoPort });
  return new Promise((resolve, reject) => {
    let reply = '';
    channel.on('data', (chunk: Buffer) => (reply += chunk.toString()));
    channel.once('close', () => resolve(reply));
    channel.once('error', reject);
    channel.end(text);
  });
}

async function waitForStatus(target: MuxPool, wanted: TunnelStatus, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (target.status !== wanted) {
    if (Date.now() > deadline) throw new Error(`status stayed ${target.status}, wanted ${wanted}`);
    await sleep(50);
  }
}

beforeAll(async () => {
  echo = createServer({ allowHalfOpen: true }, (s) => {
    const chunks: Buffer[] = [];
    s.on('data', (c) => chunks.push(c));
    s.on('end', () => s.end(Buffer.concat(chunks).toString().toUpperCase()));
  });
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  echoPort = (echo.address() as AddressInfo).port;
});
afterEach(async () => {
  await pool?.close();
  await agent?.stop();
  transports.splice(0).forEach((t) => t.destroy());
});
afterAll(() => echo.close());

describe('MuxPool against the shadow agent', () => {
  it('opens several sessions and spreads channels over them', async () => {
    agent = await startAgent();
    const port = agent.muxPort;
    pool = new MuxPool({ openTransport: openTransport(() => port), privateKey: agent.privateKey, sessions: 3 });
    await pool.start();
    await waitForStatus(pool, 'connected');
    expect(transports).toHaveLength(3);
    const replies = await Promise.all(Array.from({ length: 9 }, (_, i) => roundTrip(pool!, `hello ${i}`)));
    expect(replies).toEqual(Array.from({ length: 9 }, (_, i) => `HELLO ${i}`));
    const held = await Promise.all(Array.from({ length: 6 }, () => pool!.dial({ host: '127.0.0.1', port: echoPort })));
    const loads = (pool as unknown as { slots: { load: number }[] }).slots.map((s) => s.load);
    expect(loads).toEqual([2, 2, 2]);
    held.forEach((c) => c.destroy());
  });

  it('re-establishes a dropped session by itself and reports degraded, then connected', async () => {
    agent = await startAgent();
    const port = agent.muxPort;
    pool = new MuxPool({ openTransport: openTransport(() => port), privateKey: agent.privateKey, sessions: 2 });
    const seen: TunnelStatus[] = [];
    pool.on('status', (s: TunnelStatus) => seen.push(s));
    await pool.start();
    await waitForStatus(pool, 'connected');
    transports[0]!.destroy();
    expect(await roundTrip(pool, 'meanwhile')).toBe('MEANWHILE');
    await waitForStatus(pool, 'degraded');
    await waitForStatus(pool, 'connected');
    expect(seen.slice(-2)).toEqual(['degraded', 'connected']);
    expect(transports).toHaveLength(3);
    expect(await roundTrip(pool, 'again')).toBe('AGAIN');
  });

  it('survives the agent going away: reconnecting, then connected when it is back, with dials waiting meanwhile', async () => {
    const keys = keyPair();
    agent = await startAgent(keys);
    const port = agent.muxPort;
    pool = new MuxPool({ openTransport: openTransport(() => port), privateKey: keys.privateKey, sessions: 2, dialWaitMs: 15_000 });
    await pool.start();
    await agent.stop();
    await waitForStatus(pool, 'reconnecting');
    const pending = roundTrip(pool, 'patient');
    agent = await startAgent({ ...keys, muxPort: port });
    await waitForStatus(pool, 'connected', 15_000);
    expect(await pending).toBe('PATIENT');
  });

  it('fails to start with a key the agent does not authorize', async () => {
    agent = await startAgent();
    const port = agent.muxPort;
    pool = new MuxPool({ openTransport: openTransport(() => port), privateKey: keyPair().privateKey, sessions: 1 });
    await expect(pool.start()).rejects.toThrow(/mux handshake failed/i);
  });

  it('reports a refused target as a failed dial, not a broken session', async () => {
    agent = await startAgent();
    const port = agent.muxPort;
    pool = new MuxPool({ openTransport: openTransport(() => port), privateKey: agent.privateKey, sessions: 1 });
    await pool.start();
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    await expect(pool.dial({ host: '127.0.0.1', port: deadPort })).rejects.toMatchObject({ socksReply: 0x05 });
    expect(await roundTrip(pool, 'still')).toBe('STILL');
  });
});

describe('MuxTunnelSession reverse forwards', () => {
  it('binds a port in the agent and hands each connection there to onForwarded; reject() cuts it', async () => {
    agent = await startAgent();
    const session = await MuxTunnelSession.open({ transport: await openTransport(() => agent!.muxPort)(), privateKey: agent.privateKey });
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const remote = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    await session.forwardIn(remote);
    let refuse = false;
    session.onForwarded((port, accept, reject) => (refuse ? reject() : accept().end(`via ${port}`)));
    const fetch = (): Promise<string> =>
      new Promise((resolve) => {
        let text = '';
        const socket = connect({ host: '127.0.0.1', port: remote });
        socket.on('data', (d: Buffer) => (text += d.toString())).on('close', () => resolve(text));
        socket.on('error', () => undefined);
      });
    expect(await fetch()).toBe(`via ${remote}`);
    refuse = true;
    expect(await fetch()).toBe('');
    await expect(session.forwardIn(remote)).rejects.toThrow(/could not listen/);
    session.close();
  });
});
