import { afterEach, describe, expect, it } from 'vitest';
import type { KubeClient } from '../client.js';
import { startFakeApiServer, type FakeApiServer } from './fake-server.test-helper.js';
import { PortForwarder, type ForwardStatus } from './forwarder.js';

let server: FakeApiServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Only what the forwarder uses of a client: the transport and pod lookups for close checks. */
function clientOf(s: FakeApiServer): KubeClient {
  return { transport: s.transport, find: async () => undefined } as unknown as KubeClient;
}

describe('PortForwarder', () => {
  it('retries a failed open against a freshly resolved pod and reports reconnecting, then connected', async () => {
    server = await startFakeApiServer({
      rejectUpgrade: (url) => (url.includes('/pods/old/') ? { status: 404, body: { message: 'not found' } } : undefined),
    });
    const statuses: ForwardStatus[] = [];
    const reasons: string[] = [];
    const pods = ['old', 'new'];
    const fwd = new PortForwarder(
      clientOf(server),
      { namespace: 'ns', port: 22, pod: async (reason) => (reasons.push(reason), pods.shift() ?? 'new') },
      { retryDelayMs: 10, onStatus: (s) => statuses.push(s) },
    );
    const stream = await fwd.connect();
    expect(reasons).toEqual(['initial', 'retry']);
    expect(statuses.map((s) => s.state)).toEqual(['reconnecting', 'connected']);
    expect(server.sockets).toHaveLength(1);
    stream.destroy();
    fwd.close();
  });

  it('gives up after maxAttempts with the last error, and never retries RBAC denials', async () => {
    server = await startFakeApiServer({ rejectUpgrade: { status: 404, body: {} } });
    const statuses: string[] = [];
    const fwd = new PortForwarder(
      clientOf(server),
      { namespace: 'ns', port: 22, pod: 'gone' },
      { retryDelayMs: 5, maxAttempts: 3, onStatus: (s) => statuses.push(s.state) },
    );
    await expect(fwd.connect()).rejects.toMatchObject({ code: 'KT_NOT_FOUND' });
    expect(statuses).toEqual(['reconnecting', 'reconnecting', 'failed']);
    await server.close();

    server = await startFakeApiServer({ rejectUpgrade: { status: 403, body: {} } });
    let resolved = 0;
    const denied = new PortForwarder(
      clientOf(server),
      { namespace: 'ns', port: 22, pod: async () => (resolved++, 'p') },
      { retryDelayMs: 5 },
    );
    await expect(denied.connect()).rejects.toMatchObject({ code: 'KT_FORBIDDEN' });
    expect(resolved).toBe(1);
  });

  it('reports a dropped stream and re-establishes by itself, so a dead tunnel is never silent', async () => {
    server = await startFakeApiServer();
    const statuses: string[] = [];
    const fwd = new PortForwarder(clientOf(server), { namespace: 'ns', port: 22, pod: 'p' }, { onStatus: (s) => statuses.push(s.state) });
    const stream = await fwd.connect();
    stream.on('error', () => {});
    stream.resume();
    server.sockets.at(-1)!.close(1000);
    // The fake client finds no pod, so a normal close counts as the pod going away.
    await new Promise((r) => stream.once('close', r));
    expect(statuses).toEqual(['connected', 'reconnecting']);
    // Nobody connects again, yet the forwarder re-establishes by itself and says so.
    const deadline = Date.now() + 5_000;
    while (statuses.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(statuses).toEqual(['connected', 'reconnecting', 'connected']);
    expect(server.sockets).toHaveLength(2);
    fwd.close();
  });
});
