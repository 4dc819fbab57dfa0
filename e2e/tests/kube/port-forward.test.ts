// The project's own WebSocket port-forward against the real API server and kubelet: bulk data both ways
// with checksums, remote close, backpressure with a slow reader, the error channel, a pod deleted
// mid-stream, and re-establishment through a shadow that is recreated.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  KubeClient,
  PortForwarder,
  ShadowManager,
  openForwardStream,
  servicePodResolver,
  type ForwardStatus,
  type ShadowProgress,
} from '@ktctl/kube';
import { useClusterEnv, waitFor } from '../../harness/index.js';

const env = useClusterEnv(import.meta.filename);
const { cluster } = env;
const POD = 'pf-target';
const keyDir = mkdtempSync(join(tmpdir(), 'kt-e2e-keys-'));
let kube: KubeClient;

beforeAll(async () => {
  const ns = env.namespace.name;
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: POD, namespace: ns, labels: { app: 'pf-target' } },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [testappContainer()],
    },
  };
  await cluster.kubectlOk(['create', '-f', '-'], { input: JSON.stringify(pod) });
  await cluster.kubectlOk(['-n', ns, 'wait', '--for=condition=Ready', `pod/${POD}`, '--timeout=60s'], { timeoutMs: 70_000 });
  kube = KubeClient.fromOptions({ kubeconfig: cluster.kubeconfig(), namespace: ns });
});
afterAll(() => {
  kube?.close();
  rmSync(keyDir, { recursive: true, force: true });
});

function testappContainer() {
  return {
    name: 'app',
    image: cluster.facts.images.testapp,
    imagePullPolicy: 'Never',
    args: ['serve', '-udp='],
    readinessProbe: { tcpSocket: { port: 9000 }, periodSeconds: 1 },
  };
}

function open(port: number, pod = POD): Promise<Duplex> {
  return openForwardStream(kube.transport, { namespace: env.namespace.name, pod, port });
}

/** Sha256 of what /bytes/<n> serves: byte i is i % 256. */
function expectedBytesDigest(n: number): string {
  const h = createHash('sha256');
  const block = Buffer.from(Array.from({ length: 65536 }, (_, i) => i % 256));
  for (let left = n; left > 0; left -= block.length) h.update(left >= block.length ? block : block.subarray(0, left));
  return h.digest('hex');
}

/** Reads an HTTP/1.1 response with Content-Length off a stream; digests the body. */
function readHttpBody(stream: Duplex): Promise<{ length: number; digest: string; ended: Promise<void> }> {
  return new Promise((resolve, reject) => {
    let head = Buffer.alloc(0);
    let bodyLength = -1;
    let got = 0;
    const h = createHash('sha256');
    const ended = new Promise<void>((r) => stream.once('end', () => r()));
    stream.on('error', reject);
    stream.on('data', (chunk: Buffer) => {
      if (bodyLength < 0) {
        head = Buffer.concat([head, chunk]);
        const at = head.indexOf('\r\n\r\n');
        if (at < 0) return;
        bodyLength = Number(/content-length: (\d+)/i.exec(head.subarray(0, at).toString())?.[1]);
        chunk = head.subarray(at + 4);
      }
      h.update(chunk);
      got += chunk.length;
      if (got >= bodyLength) resolve({ length: got, digest: h.digest('hex'), ended });
    });
  });
}

describe('openForwardStream', () => {
  it('downloads 64 MiB intact and sees the server close the connection', async () => {
    const n = 64 * 1024 * 1024;
    const stream = await open(8080);
    stream.write(`GET /bytes/${n} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    const body = await readHttpBody(stream);
    expect(body.length).toBe(n);
    expect(body.digest).toBe(expectedBytesDigest(n));
    // Remote close reaches the local side as an end within a bound.
    await Promise.race([body.ended, new Promise((_, rej) => setTimeout(() => rej(new Error('no end after remote close')), 10_000))]);
  });

  it('uploads 16 MiB to the echo server and gets the same bytes back', async () => {
    const data = randomBytes(16 * 1024 * 1024);
    const stream = await open(9000);
    const h = createHash('sha256');
    let got = 0;
    const done = new Promise<void>((resolve, reject) => {
      stream.on('data', (c: Buffer) => {
        h.update(c);
        got += c.length;
        if (got >= data.length) resolve();
      });
      stream.on('error', reject);
    });
    for (let off = 0; off < data.length; off += 256 * 1024) {
      if (!stream.write(data.subarray(off, off + 256 * 1024))) await new Promise((r) => stream.once('drain', r));
    }
    await done;
    expect(h.digest('hex')).toBe(createHash('sha256').update(data).digest('hex'));
    stream.destroy();
  });

  it('keeps memory bounded while the local reader is stalled, then delivers everything', async () => {
    const n = 256 * 1024 * 1024;
    const stream = await open(8080);
    stream.write(`GET /bytes/${n} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    stream.pause();
    const before = process.memoryUsage();
    await new Promise((r) => setTimeout(r, 4000));
    const during = process.memoryUsage();
    const grown = during.arrayBuffers + during.external - (before.arrayBuffers + before.external);
    // Unbounded buffering would hold most of the 256 MiB by now; the pause must cap it at a few MiB.
    expect(grown).toBeLessThan(48 * 1024 * 1024);
    const body = readHttpBody(stream);
    stream.resume();
    const { length, digest } = await body;
    expect(length).toBe(n);
    expect(digest).toBe(expectedBytesDigest(n));
  });

  it('turns the error channel into an error naming the port', async () => {
    // The kubelet dials the port during the upgrade, so the error fails the open (or, if late, the stream).
    const err = await open(9999).then(
      (stream) => new Promise<Error>((resolve) => stream.once('error', resolve).write('hello')),
      (e: Error) => e,
    );
    expect(err.message).toBe(`nothing listens on port 9999 in pod ${POD} (connection refused)`);
  });

  it('fails to open with KT_NOT_FOUND for a pod that does not exist', async () => {
    await expect(open(8080, 'no-such-pod')).rejects.toMatchObject({ code: 'KT_NOT_FOUND' });
  });
});

describe('PortForwarder', () => {
  it('follows a Service to its next ready pod when the old one goes away', async () => {
    const ns = env.namespace.name;
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'follow', namespace: ns },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'follow' } },
        template: {
          metadata: { labels: { app: 'follow' } },
          spec: { terminationGracePeriodSeconds: 1, containers: [{ ...testappContainer() }] },
        },
      },
    };
    await cluster.kubectlOk(['create', '-f', '-'], { input: JSON.stringify(deployment) });
    await cluster.kubectlOk(['-n', ns, 'expose', 'deployment', 'follow', '--port=9000']);
    await cluster.kubectlOk(['-n', ns, 'rollout', 'status', 'deployment/follow', '--timeout=60s'], { timeoutMs: 70_000 });
    const fwd = new PortForwarder(
      kube,
      { namespace: ns, port: 9000, pod: servicePodResolver(kube, 'follow') },
      { maxAttempts: 20, retryDelayMs: 500 },
    );
    const echo = async (): Promise<string> => {
      const s = await fwd.connect();
      const answer = await new Promise<string>((resolve, reject) =>
        s
          .once('data', (d: Buffer) => resolve(d.toString()))
          .once('error', reject)
          .write('hi'),
      );
      s.destroy();
      return answer;
    };
    try {
      expect(await echo()).toBe('hi');
      const [before] = await cluster.podIPs(ns, 'app=follow');
      await cluster.kubectlOk(['-n', ns, 'delete', 'pods', '-l', 'app=follow', '--wait=false']);
      expect(await echo()).toBe('hi');
      await waitFor(async () => !(await cluster.podIPs(ns, 'app=follow')).includes(before!), { timeoutMs: 30_000, what: 'old pod gone' });
    } finally {
      fwd.close();
    }
  });

  it('serves a local listener; curl gets the pod’s answer', async () => {
    const fwd = new PortForwarder(kube, { namespace: env.namespace.name, pod: POD, port: 8080 });
    const local = await fwd.listen(0);
    try {
      const body = await new Promise<string>((resolve, reject) => {
        const s = tcpConnect(local.port, '127.0.0.1', () => s.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
        let out = '';
        s.on('data', (d) => (out += d.toString()));
        s.on('end', () => resolve(out));
        s.on('error', reject);
      });
      expect(body).toContain(`hello from ${POD}`);
    } finally {
      await local.close();
      fwd.close();
    }
  });

  it('surfaces a shadow pod deleted mid-stream and comes back through a recreated shadow', async () => {
    const progress: ShadowProgress[] = [];
    const statuses: ForwardStatus[] = [];
    const handle = await new ShadowManager(kube, { onProgress: (p) => progress.push(p) }).create({
      purpose: { kind: 'connect' },
      image: cluster.facts.images.testapp,
      keyDir,
      customizePodSpec: (spec) => {
        spec.containers[0].args = ['serve', '-udp='];
        spec.containers[0].readinessProbe = { tcpSocket: { port: 9000 }, periodSeconds: 1 };
      },
    });
    const fwd = handle.forwarder(9000, { onStatus: (s) => statuses.push(s), maxAttempts: 8 });
    try {
      const stream = await fwd.connect();
      const failed = new Promise<Error | 'end'>((resolve) => {
        stream.once('error', resolve);
        stream.once('end', () => resolve('end'));
      });
      stream.resume();
      await cluster.kubectlOk(['-n', env.namespace.name, 'delete', 'pod', handle.podName, '--wait=false']);
      const outcome = await Promise.race([failed, new Promise<'silent'>((r) => setTimeout(() => r('silent'), 20_000))]);
      expect(outcome).toBeInstanceOf(Error);

      const again = await fwd.connect();
      const echoed = await new Promise<string>((resolve, reject) => {
        again.once('data', (d: Buffer) => resolve(d.toString()));
        again.once('error', reject);
        again.write('ping');
      });
      expect(echoed).toBe('ping');
      again.destroy();
      expect(progress.map((p) => p.phase)).toEqual(expect.arrayContaining(['reconnecting', 'connected']));
      expect(statuses.map((s) => s.state)).toEqual(expect.arrayContaining(['connected', 'reconnecting']));
      expect(statuses.at(-1)?.state).toBe('connected');
    } finally {
      fwd.close();
      await handle.cleanup();
    }
    await waitFor(
      async () =>
        (await cluster.kubectlOk(['-n', env.namespace.name, 'get', 'pods,configmaps', '-l', 'control-by=kt', '-o', 'name'])).trim() === '',
      { timeoutMs: 30_000, what: 'shadow objects gone' },
    );
  });
});
