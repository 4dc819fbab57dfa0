/** The agent process: clean exit on SIGTERM with clients connected, clear failures at start. */
import { createServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { AGENT_BUNDLE, spawnAgent } from './support/agent.js';
import { freePort } from '@ktctl/testkit';
import { run } from '@ktctl/testkit';
import { connectClient, openChannel } from './support/ssh-client.js';

describe('agent lifecycle', () => {
  it('exits 0 promptly on SIGTERM, ending open SSH connections and channels', async () => {
    const agent = await spawnAgent({}, { dnsPort: await freePort() });
    const echo = createServer((socket) => socket.pipe(socket));
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    const client = await connectClient(agent);
    await openChannel(client, '127.0.0.1', (echo.address() as AddressInfo).port);
    const clientClosed = new Promise<void>((resolve) => client.on('close', resolve));
    const started = Date.now();
    const exit = await agent.stop('SIGTERM');
    await clientClosed;
    echo.close();
    expect(exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(agent.output()).toMatch(/SIGTERM: shutting down/);
  });

  it('exits 2 and names every bad variable', async () => {
    const result = await run(process.execPath, [AGENT_BUNDLE], 5_000, {
      PATH: process.env.PATH ?? '',
      KT_SSH_PORT: 'twenty-two',
      KT_DNS_CACHE_TTL: '-1',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/KT_SSH_PORT/);
    expect(result.stderr).toMatch(/KT_DNS_CACHE_TTL/);
  });

  it('exits 1 when its SSH port is taken', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    const env = {
      PATH: process.env.PATH ?? '',
      KT_SSH_HOST: '127.0.0.1',
      KT_SSH_PORT: String(port),
      KT_MUX_PORT: '0',
      KT_DNS_HOST: '127.0.0.1',
      KT_DNS_PORT: String(await freePort()),
      KT_DNS_UPSTREAM: '127.0.0.1',
    };
    const result = await run(process.execPath, [AGENT_BUNDLE], 5_000, env);
    taken.close();
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cannot start: .*EADDRINUSE/);
  });
});

describe('keepalives', () => {
  it('drops a client that stops answering, so no connection lingers as a zombie', async () => {
    const agent = await spawnAgent({ KT_KEEPALIVE_INTERVAL: '0.5', KT_KEEPALIVE_COUNT_MAX: '2' }, { dnsPort: await freePort() });
    try {
      const client = await connectClient(agent);
      // The client process is alive but its SSH layer no longer reads: like a laptop gone to sleep.
      (client as unknown as { _sock: { pause(): void } })._sock.pause();
      const deadline = Date.now() + 8_000;
      while (!/disconnected/.test(agent.output()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(agent.output()).toMatch(/Keepalive timeout[\s\S]*disconnected/);
      client.destroy();
    } finally {
      await agent.stop();
    }
  });
});
