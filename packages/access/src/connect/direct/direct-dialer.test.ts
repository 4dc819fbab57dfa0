import { PassThrough, type Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ErrorCode, UserError } from '@ktctl/plugin-api';
import { DirectDialer } from './direct-dialer.js';
import { EndpointIndex, type DirectTarget } from './endpoint-index.js';

const pod = { namespace: 'team', pod: 'web-1', port: 8080 };

function dialer(open: (t: DirectTarget) => Promise<Duplex>, maxStreams = 2) {
  const viaShadow: string[] = [];
  const d = new DirectDialer({
    resolve: (host) => (host === '10.244.0.5' ? pod : undefined),
    open,
    fallback: async (t) => (viaShadow.push(`${t.host}:${t.port}`), new PassThrough()),
    maxStreams,
  });
  return { d, viaShadow };
}

describe('DirectDialer', () => {
  it('port-forwards a known address to its pod, and sends an unknown one through the shadow', async () => {
    const opened: DirectTarget[] = [];
    const { d, viaShadow } = dialer(async (t) => (opened.push(t), new PassThrough()));
    await d.dial({ host: '10.244.0.5', port: 8080 });
    await d.dial({ host: '10.96.0.1', port: 443 });
    expect(opened).toEqual([pod]);
    expect(viaShadow).toEqual(['10.96.0.1:443']);
    expect(d.stats).toMatchObject({ direct: 1, fallbacks: 1, open: 1 });
  });

  it('bounds the direct streams open at once; a closed one frees its place', async () => {
    const { d, viaShadow } = dialer(async () => new PassThrough(), 2);
    const [a] = await Promise.all([d.dial({ host: '10.244.0.5', port: 1 }), d.dial({ host: '10.244.0.5', port: 2 })]);
    await d.dial({ host: '10.244.0.5', port: 3 });
    expect(viaShadow).toEqual(['10.244.0.5:3']);
    a!.destroy();
    await new Promise((r) => setImmediate(r));
    await d.dial({ host: '10.244.0.5', port: 4 });
    expect(d.stats).toMatchObject({ direct: 3, fallbacks: 1, open: 2 });
  });

  it('sends a connection to the shadow at once while too many direct streams are still being opened', async () => {
    const pending: ((s: Duplex) => void)[] = [];
    const viaShadow: string[] = [];
    const d = new DirectDialer({
      resolve: () => pod,
      open: () => new Promise<Duplex>((resolve) => pending.push(resolve)),
      fallback: async (t) => (viaShadow.push(`${t.host}:${t.port}`), new PassThrough()),
      maxStreams: 10,
      maxOpening: 2,
    });
    const slow = [d.dial({ host: '10.244.0.5', port: 1 }), d.dial({ host: '10.244.0.5', port: 2 })];
    await d.dial({ host: '10.244.0.5', port: 3 });
    expect(viaShadow).toEqual(['10.244.0.5:3']);
    expect(d.stats).toMatchObject({ open: 2, opening: 2 });
    pending.splice(0).forEach((resolve) => resolve(new PassThrough()));
    await Promise.all(slow);
    const next = d.dial({ host: '10.244.0.5', port: 4 });
    pending.splice(0).forEach((resolve) => resolve(new PassThrough()));
    await next;
    expect(d.stats).toMatchObject({ direct: 3, fallbacks: 1, open: 3, opening: 0 });
  });

  it('falls back when the port-forward fails, and stops asking in a namespace where it is forbidden', async () => {
    let attempts = 0;
    const forbidden = new UserError(ErrorCode.Forbidden, 'You may not create pods/portforward');
    const { d, viaShadow } = dialer(async () => (attempts++, Promise.reject(forbidden)));
    await d.dial({ host: '10.244.0.5', port: 8080 });
    await d.dial({ host: '10.244.0.5', port: 8080 });
    expect(attempts).toBe(1);
    expect(viaShadow).toHaveLength(2);
    expect(d.stats.open).toBe(0);
  });

  it('cuts the direct streams of a pod that is gone, and only those', async () => {
    const { d } = dialer(async () => new PassThrough());
    const stream = await d.dial({ host: '10.244.0.5', port: 8080 });
    const cut = new Promise<Error>((resolve) => stream.once('error', resolve));
    d.cut('other-pod');
    expect(stream.destroyed).toBe(false);
    d.cut('web-1');
    expect((await cut).message).toMatch(/web-1 is gone/);
  });

  it('falls back for a port the pod does not serve, and tries directly again next time', async () => {
    let attempts = 0;
    const { d, viaShadow } = dialer(async () => (attempts++, Promise.reject(new Error('connection refused'))));
    await d.dial({ host: '10.244.0.5', port: 9 });
    await d.dial({ host: '10.244.0.5', port: 9 });
    expect(attempts).toBe(2);
    expect(viaShadow).toHaveLength(2);
  });
});

describe('EndpointIndex', () => {
  const running = (name: string, ip: string) => ({
    metadata: { name, namespace: 'team' },
    status: { podIP: ip, phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
  });

  it('maps ready pod IPs, and forgets a pod that is deleted or not ready', () => {
    const index = new EndpointIndex('team');
    index.onPod('ADDED', running('web-1', '10.244.0.5'));
    expect(index.resolve('10.244.0.5', 80)).toEqual({ namespace: 'team', pod: 'web-1', port: 80 });
    index.onPod('MODIFIED', {
      ...running('web-1', '10.244.0.5'),
      status: { podIP: '10.244.0.5', phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] },
    });
    expect(index.resolve('10.244.0.5', 80)).toBeUndefined();
  });

  it("maps a ClusterIP port to a ready endpoint's target port, following the endpoints as they change", () => {
    const index = new EndpointIndex('team');
    index.onService('ADDED', {
      metadata: { name: 'web', namespace: 'team' },
      spec: { clusterIP: '10.96.3.4', ports: [{ name: 'http', port: 80 }] },
    });
    const slice = (pods: [string, boolean][]) => ({
      metadata: { name: 'web-abc', namespace: 'team', labels: { 'kubernetes.io/service-name': 'web' } },
      endpoints: pods.map(([name, ready]) => ({ conditions: { ready }, targetRef: { kind: 'Pod', name } })),
      ports: [{ name: 'http', port: 8080 }],
    });
    index.onSlice(
      'ADDED',
      slice([
        ['web-1', true],
        ['web-2', false],
      ]),
    );
    expect(index.resolve('10.96.3.4', 80)).toEqual({ namespace: 'team', pod: 'web-1', port: 8080 });
    expect(index.resolve('10.96.3.4', 81)).toBeUndefined();
    index.onSlice(
      'MODIFIED',
      slice([
        ['web-1', false],
        ['web-2', true],
      ]),
    );
    expect(index.resolve('10.96.3.4', 80)?.pod).toBe('web-2');
    index.onSlice('MODIFIED', slice([]));
    expect(index.resolve('10.96.3.4', 80)).toBeUndefined();
  });
});
