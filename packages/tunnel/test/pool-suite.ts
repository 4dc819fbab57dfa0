// The SessionPool behaviour every wire must show against a real shadow agent (sessions spread, a dropped one
// re-established, the agent restarting, a foreign key refused, a refused target not breaking the session):
// one suite, run by ssh-pool.test.ts over SSH and by mux-pool.test.ts over mux.
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Duplex } from 'node:stream';
import type { TunnelStatus } from '../src/session/session-pool.js';
import { keyPair, startAgent, type Agent } from './agent.js';

/** What the suite uses of a SessionPool, whatever its session type. */
export interface PoolUnderTest {
  readonly status: TunnelStatus;
  start(): Promise<void>;
  close(): Promise<void>;
  dial(target: { host: string; port: number }): Promise<Duplex>;
  on(event: 'status', listener: (status: TunnelStatus) => void): unknown;
}

export interface PoolWire {
  /** The describe block's name, e.g. 'MuxPool against the shadow agent'. */
  readonly name: string;
  /** The agent's port this wire dials, and the startAgent option that pins it on a restart. */
  readonly agentPort: 'sshPort' | 'muxPort';
  readonly create: (options: {
    openTransport: () => Promise<Socket>;
    privateKey: string;
    sessions: number;
    dialWaitMs?: number;
  }) => PoolUnderTest;
  /** What start() says when the agent does not authorize the key. */
  readonly refusedKey: RegExp;
}

/** The state a suite's tests share: the agent of the running test and the transports it opened. */
export interface PoolFixture {
  agent: Agent | undefined;
  readonly transports: Socket[];
  /** Transports are plain TCP connections to the agent here; in ktctl they are port-forward streams. */
  openTransport(port: () => number): () => Promise<Socket>;
}

/** Registers the shared suite for one wire; returns the fixture so a file can add tests of its own. */
export function describePoolAgainstAgent(wire: PoolWire): PoolFixture {
  let echo: Server;
  let echoPort: number;
  let pool: PoolUnderTest | undefined;
  const fixture: PoolFixture = {
    agent: undefined,
    transports: [],
    openTransport(port) {
      return async () => {
        const socket = connect({ host: '127.0.0.1', port: port() });
        socket.setNoDelay(true);
        await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
        fixture.transports.push(socket);
        return socket;
      };
    },
  };
  const { transports } = fixture;

  async function roundTrip(target: PoolUnderTest, text: string): Promise<string> {
    const channel = await target.dial({ host: '127.0.0.1', port: echoPort });
    return new Promise((resolve, reject) => {
      let reply = '';
      channel.on('data', (chunk: Buffer) => (reply += chunk.toString()));
      channel.once('close', () => resolve(reply));
      channel.once('error', reject);
      channel.end(text);
    });
  }

  async function waitForStatus(target: PoolUnderTest, wanted: TunnelStatus, ms = 10_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (target.status !== wanted) {
      if (Date.now() > deadline) throw new Error(`status stayed ${target.status}, wanted ${wanted}`);
      await sleep(50);
    }
  }

  async function startedAgent(keys?: ReturnType<typeof keyPair>): Promise<Agent> {
    fixture.agent = await startAgent(keys);
    return fixture.agent;
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
    pool = undefined;
    await fixture.agent?.stop();
    fixture.agent = undefined;
    transports.splice(0).forEach((t) => t.destroy());
  });
  afterAll(() => echo.close());

  describe(wire.name, () => {
    it('opens several sessions and spreads channels over them', async () => {
      const agent = await startedAgent();
      const port = agent[wire.agentPort];
      pool = wire.create({ openTransport: fixture.openTransport(() => port), privateKey: agent.privateKey, sessions: 3 });
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
      const agent = await startedAgent();
      const port = agent[wire.agentPort];
      pool = wire.create({ openTransport: fixture.openTransport(() => port), privateKey: agent.privateKey, sessions: 2 });
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
      const agent = await startedAgent(keys);
      const port = agent[wire.agentPort];
      pool = wire.create({
        openTransport: fixture.openTransport(() => port),
        privateKey: keys.privateKey,
        sessions: 2,
        dialWaitMs: 15_000,
      });
      await pool.start();
      await agent.stop();
      await waitForStatus(pool, 'reconnecting');
      const pending = roundTrip(pool, 'patient');
      fixture.agent = await startAgent({ ...keys, [wire.agentPort]: port });
      await waitForStatus(pool, 'connected', 15_000);
      expect(await pending).toBe('PATIENT');
    });

    it('fails to start with a key the agent does not authorize', async () => {
      const agent = await startedAgent();
      const port = agent[wire.agentPort];
      pool = wire.create({ openTransport: fixture.openTransport(() => port), privateKey: keyPair().privateKey, sessions: 1 });
      await expect(pool.start()).rejects.toThrow(wire.refusedKey);
    });

    it('reports a refused target as a failed dial, not a broken session', async () => {
      const agent = await startedAgent();
      const port = agent[wire.agentPort];
      pool = wire.create({ openTransport: fixture.openTransport(() => port), privateKey: agent.privateKey, sessions: 1 });
      await pool.start();
      const closed = createServer();
      await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
      const deadPort = (closed.address() as AddressInfo).port;
      await new Promise<void>((r) => closed.close(() => r()));
      await expect(pool.dial({ host: '127.0.0.1', port: deadPort })).rejects.toMatchObject({ socksReply: 0x05 });
      expect(await roundTrip(pool, 'still')).toBe('STILL');
    });
  });
  return fixture;
}
