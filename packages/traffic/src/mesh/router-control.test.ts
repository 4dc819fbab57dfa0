import { createServer, connect as tcpConnect, type AddressInfo } from 'node:net';
import { createServer as createHttp } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { RouterRuleSet } from '@ktctl/agent-contract';
import { pushRules, routerHealth } from './router-control.js';

/** A stand-in router control server: applies newer generations after `lagMs`, refuses bad bodies. */
function fakeRouter(lagMs = 0) {
  let generation = 0;
  const puts: number[] = [];
  const server = createHttp((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/healthz') return res.end(JSON.stringify({ ok: true, generation, ports: [8080] }));
      const body = JSON.parse(Buffer.concat(chunks).toString()) as RouterRuleSet;
      if (!body.default) return res.writeHead(400).end('{"error":"invalid rule set"}');
      puts.push(body.generation);
      if (body.generation <= generation) return res.writeHead(409).end('{"error":"stale"}');
      setTimeout(() => (generation = body.generation), lagMs);
      res.end(JSON.stringify(body));
    });
  });
  return {
    server,
    puts,
    get generation() {
      return generation;
    },
  };
}

let close: (() => void) | undefined;
afterEach(() => close?.());

async function start(lagMs = 0) {
  const router = fakeRouter(lagMs);
  await new Promise<void>((r) => router.server.listen(0, '127.0.0.1', () => r()));
  close = () => router.server.close();
  const port = (router.server.address() as AddressInfo).port;
  // Each request gets its own stream, as through a port-forward.
  return { router, connect: async () => tcpConnect(port, '127.0.0.1') };
}

describe('router control', () => {
  it('pushes rules and returns once /healthz shows their generation', async () => {
    const { router, connect } = await start(300);
    await pushRules(connect, { generation: 3, default: 'svc', routes: [] }, 5_000);
    expect((await routerHealth(connect)).generation).toBe(3);
    expect(router.puts[0]).toBe(3);
  });

  it('is content when the router already has a newer generation (it read the annotation first)', async () => {
    const { connect } = await start();
    await pushRules(connect, { generation: 5, default: 'svc', routes: [] }, 2_000);
    await pushRules(connect, { generation: 4, default: 'svc', routes: [] }, 2_000);
  });

  it('fails at once when the router refuses the rules, and after the bound when it is unreachable', async () => {
    const { connect } = await start();
    await expect(pushRules(connect, { generation: 1, default: '', routes: [] } as never, 2_000)).rejects.toThrow(/refused rule set 1/);
    const dead = createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', () => r()));
    const port = (dead.address() as AddressInfo).port;
    dead.close();
    await expect(pushRules(async () => tcpConnect(port, '127.0.0.1'), { generation: 1, default: 'svc', routes: [] }, 600)).rejects.toThrow(
      /did not take rule set 1 within/,
    );
  });
});
