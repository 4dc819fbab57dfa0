import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '@ktctl/plugin-api';
import { generateSshKeyPair } from '@ktctl/tunnel/keys';
import { startAgent, type Agent } from '@ktctl/tunnel/testing';
import { exposeLocalPorts, type ReverseTunnelShadow } from './reverse-tunnel.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A local server that answers each connection, once its client is done sending, with a tag and the upper-cased input. */
async function localServer(tag: string): Promise<number> {
  const server: Server = createServer({ allowHalfOpen: true }, (s) => {
    const chunks: Buffer[] = [];
    s.on('data', (c) => chunks.push(c));
    s.on('end', () => s.end(`${tag}:${Buffer.concat(chunks).toString().toUpperCase()}`));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  return (server.address() as AddressInfo).port;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** What "a pod in the cluster" does here: connect to the agent's remote port, send, half-close, read the answer. */
function callRemote(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port });
    let reply = '';
    s.on('data', (c: Buffer) => (reply += c.toString()));
    s.once('error', reject);
    s.once('close', () => resolve(reply));
    s.end(text);
  });
}

/** The stand-in for ShadowHandle: port-forward streams are plain TCP connections to the agent. */
function fakeShadow(agent: () => Agent, transports: Socket[]): ReverseTunnelShadow {
  return {
    get privateKey() {
      return agent().privateKey;
    },
    forwarder: () => ({
      connect: async () => {
        const socket = connect({ host: '127.0.0.1', port: agent().muxPort });
        await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
        transports.push(socket);
        return socket;
      },
      close: () => transports.forEach((t) => t.destroy()),
    }),
  };
}

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const noop = (): void => undefined;
  const dbg = process.env.KT_TEST_DEBUG ? (m: string) => console.error(new Date().toISOString(), m) : noop;
  return { warnings, warn: (m: string) => void warnings.push(m), info: noop, debug: dbg, error: noop } as unknown as Logger & {
    warnings: string[];
  };
}

async function setup(ports: { local: number; remote: number }[], logger = recordingLogger()) {
  const keys = generateSshKeyPair('traffic-test');
  let agent = await startAgent({ ...keys });
  cleanups.push(() => agent.stop());
  const restartAgent = async (): Promise<void> => {
    const muxPort = agent.muxPort;
    await agent.stop();
    agent = await startAgent({ muxPort, ...keys });
  };
  const transports: Socket[] = [];
  const statuses: string[] = [];
  const tunnel = await exposeLocalPorts({
    shadow: fakeShadow(() => agent, transports),
    ports,
    logger,
    onStatus: (s) => statuses.push(s),
    keepaliveIntervalMs: 1000,
  });
  cleanups.push(() => tunnel.close());
  return { tunnel, transports, statuses, logger, restartAgent };
}

describe('exposeLocalPorts against the real shadow agent', { timeout: 20_000 }, () => {
  it('carries connections on every remote port to its local port, both directions and half-close', async () => {
    const [a, b, ra, rb] = [await localServer('a'), await localServer('b'), await freePort(), await freePort()];
    const { tunnel, statuses } = await setup([
      { local: a, remote: ra },
      { local: b, remote: rb },
    ]);
    expect(tunnel.status).toBe('connected');
    expect(statuses).toEqual(['connected']);
    expect(await callRemote(ra, 'hello')).toBe('a:HELLO');
    expect(await callRemote(rb, 'x'.repeat(2_000_000))).toBe(`b:${'X'.repeat(2_000_000)}`);
    await sleep(100);
    expect(tunnel.activeConnections).toBe(0);
  });

  it('delivers every byte of a large answer when the local server closes right after writing it', async () => {
    const size = 48 * 1024 * 1024;
    const server = createServer((c) => c.end(Buffer.alloc(size, 1)));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const remote = await freePort();
    await setup([{ local: (server.address() as AddressInfo).port, remote }]);
    for (let i = 0; i < 3; i++) {
      const got = await new Promise<number>((resolve, reject) => {
        let n = 0;
        const s = connect({ host: '127.0.0.1', port: remote });
        s.on('data', (d: Buffer) => (n += d.length))
          .once('error', reject)
          .once('close', () => resolve(n));
      });
      expect(got).toBe(size);
    }
  });

  it('tells whether an address answers from the shadow pod (a new Service may lag behind its endpoints)', async () => {
    const [local, remote, closed] = [await localServer('r'), await freePort(), await freePort()];
    const { tunnel } = await setup([{ local, remote }]);
    expect(await tunnel.reachable('127.0.0.1', remote)).toBe(true);
    expect(await tunnel.reachable('127.0.0.1', closed)).toBe(false);
  });

  it('refuses a connection whose local port is closed with a warning, and keeps working', async () => {
    const [dead, live, rd, rl] = [await freePort(), await localServer('live'), await freePort(), await freePort()];
    const { logger } = await setup([
      { local: dead, remote: rd },
      { local: live, remote: rl },
    ]);
    // The agent resets the cluster side (as a pod whose port is closed would).
    expect(await callRemote(rd, 'lost').catch((e: Error) => e.message)).toMatch(/^$|ECONNRESET/);
    expect(logger.warnings.join('\n')).toMatch(new RegExp(`cluster port ${rd} could not reach 127.0.0.1:${dead}.*ECONNREFUSED`));
    expect(await callRemote(rl, 'still')).toBe('live:STILL');
  });

  it('re-establishes itself after the port-forward stream drops', async () => {
    const [local, remote] = [await localServer('l'), await freePort()];
    const { tunnel, transports, statuses } = await setup([{ local, remote }]);
    transports.forEach((t) => t.destroy());
    // Reconnecting can last only milliseconds here: wait on the recorded sequence, not on a poll of the state.
    const deadline = Date.now() + 8_000;
    while (statuses.length < 3 && Date.now() < deadline) await sleep(20);
    expect(tunnel.status).toBe('connected');
    expect(statuses).toEqual(['connected', 'reconnecting', 'connected']);
    expect(await callRemote(remote, 'again')).toBe('l:AGAIN');
  });

  it('comes back after the agent itself restarts (a restarted shadow pod), with its listeners bound again', async () => {
    const [local, remote] = [await localServer('l'), await freePort()];
    const { tunnel, statuses, restartAgent } = await setup([{ local, remote }]);
    await restartAgent();
    const deadline = Date.now() + 10_000;
    while (statuses.length < 3 && Date.now() < deadline) await sleep(20);
    expect(statuses).toEqual(['connected', 'reconnecting', 'connected']);
    expect(tunnel.status).toBe('connected');
    expect(await callRemote(remote, 'back')).toBe('l:BACK');
  });

  it('closes cleanly: the remote port stops listening', async () => {
    const [local, remote] = [await localServer('l'), await freePort()];
    const { tunnel } = await setup([{ local, remote }]);
    await tunnel.close();
    expect(tunnel.status).toBe('closed');
    await sleep(200);
    await expect(callRemote(remote, 'x')).rejects.toThrow(/ECONNREFUSED/);
  });
});
