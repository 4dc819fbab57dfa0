// The shadow lifecycle against the real cluster: objects, labels, annotations and heartbeat in cluster
// time; shared shadow ref counting; image-pull and RBAC failures leaving nothing behind. The real agent
// image may not be in the cluster yet, so a stand-in (the test app image) plays the shadow.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KubeClient, ShadowManager, type ShadowOptions, type ShadowProgress } from '@ktctl/kube';
import { useClusterEnv, waitFor } from '../../harness/index.js';

const env = useClusterEnv(import.meta.filename);
const { cluster } = env;
const keyDir = mkdtempSync(join(tmpdir(), 'kt-e2e-keys-'));
afterAll(() => rmSync(keyDir, { recursive: true, force: true }));

/** The test app listening on 9000 stands in for the agent's SSH port. */
function standIn(extra: Partial<ShadowOptions> = {}): ShadowOptions {
  return {
    purpose: { kind: 'connect' },
    image: cluster.facts.images.testapp,
    keyDir,
    podCreationTimeout: 60,
    env: { USER: 'root', SUDO_USER: 'alice' },
    customizePodSpec: (spec) => {
      spec.containers[0].args = ['serve', '-udp='];
      spec.containers[0].readinessProbe = { tcpSocket: { port: 9000 }, periodSeconds: 1 };
    },
    ...extra,
  };
}

function client(as: 'admin' | 'restricted' = 'admin'): KubeClient {
  return KubeClient.fromOptions({ kubeconfig: cluster.kubeconfig(as), namespace: env.namespace.name });
}

async function ktObjects(): Promise<string[]> {
  const out = await cluster.kubectlOk([
    '-n',
    env.namespace.name,
    'get',
    'pods,configmaps,deployments',
    '-l',
    'control-by=kt',
    '-o',
    'name',
  ]);
  return out.split('\n').filter(Boolean).sort();
}

describe('ShadowManager', () => {
  it('creates a labelled, annotated shadow with its key ConfigMap, reports progress, and removes it all', async () => {
    const progress: ShadowProgress[] = [];
    const kube = client();
    const handle = await new ShadowManager(kube, { onProgress: (p) => progress.push(p) }).create(
      standIn({ withLabel: 'team=a', withAnnotation: 'note=hi' }),
    );
    try {
      expect(handle.name).toMatch(/^kt-connect-shadow-[a-z]{5}$/);
      expect(handle.target).toMatch(/^[a-z]{5}$/);
      expect(progress.map((p) => p.phase)).toEqual(expect.arrayContaining(['scheduled', 'image-present', 'running', 'ready']));
      const pod = await cluster.getJson(['-n', env.namespace.name, 'pod', handle.name]);
      expect(pod.metadata.labels).toMatchObject({ 'control-by': 'kt', 'kt-role': 'shadow-connect', team: 'a' });
      expect(pod.metadata.labels['kt-target']).toBe(handle.target);
      expect(pod.metadata.annotations).toMatchObject({ 'kt-user': 'alice', note: 'hi' });
      const cm = await cluster.getJson(['-n', env.namespace.name, 'configmap', handle.name]);
      expect(cm.data.authorized_keys.trim()).toBe(handle.publicKey);
      expect(JSON.stringify(cm)).not.toContain('PRIVATE KEY');
      expect(statSync(handle.privateKeyPath).mode & 0o777).toBe(0o600);
      expect(readFileSync(handle.privateKeyPath, 'utf8')).toContain('OPENSSH PRIVATE KEY');

      // The heartbeat is cluster time, within a few seconds of the API server's clock.
      const before = Number(pod.metadata.annotations['kt-last-heart-beat']);
      const now = await kube.clusterUnixSeconds();
      expect(Math.abs(now - before)).toBeLessThan(120);
      await new Promise((r) => setTimeout(r, 1100));
      await handle.beat();
      const after = await cluster.getJson(['-n', env.namespace.name, 'pod', handle.name]);
      expect(Number(after.metadata.annotations['kt-last-heart-beat'])).toBeGreaterThan(before);
      const cmAfter = await cluster.getJson(['-n', env.namespace.name, 'configmap', handle.name]);
      expect(Number(cmAfter.metadata.annotations['kt-last-heart-beat'])).toBeGreaterThan(before);
    } finally {
      await handle.cleanup();
    }
    expect(existsSync(handle.privateKeyPath)).toBe(false);
    expect(await ktObjects()).toEqual([]);
  });

  it('runs the shadow as a Deployment with --useShadowDeployment', async () => {
    const handle = await new ShadowManager(client()).create(standIn({ useShadowDeployment: true }));
    try {
      expect(handle.podName).toMatch(new RegExp(`^${handle.name}-`));
      expect(await ktObjects()).toEqual(expect.arrayContaining([`deployment.apps/${handle.name}`, `configmap/${handle.name}`]));
    } finally {
      await handle.cleanup();
    }
    // Deleted in the foreground: its pod is gone too when cleanup returns.
    expect(await ktObjects()).toEqual([]);
  });

  it('shares kt-connect-shadow-daemon with a reference count; the last one out removes it', async () => {
    const opts = standIn({ purpose: { kind: 'connect', shared: true } });
    const first = await new ShadowManager(client()).create(opts);
    const second = await new ShadowManager(client()).create(opts);
    const read = () => cluster.getJson(['-n', env.namespace.name, 'pod', 'kt-connect-shadow-daemon']);
    try {
      expect(second.isJoined).toBe(true);
      expect((await read()).metadata.annotations['kt-ref-count']).toBe('2');
      const cm = await cluster.getJson(['-n', env.namespace.name, 'configmap', 'kt-connect-shadow-daemon']);
      expect(cm.data.authorized_keys.trim().split('\n')).toEqual([first.publicKey, second.publicKey]);
      await first.cleanup();
      expect((await read()).metadata.annotations['kt-ref-count']).toBe('1');
    } finally {
      await first.cleanup();
      await second.cleanup();
    }
    expect(await ktObjects()).toEqual([]);
  });

  it('joins instead of failing when two runs create the shared shadow at once', async () => {
    const opts = standIn({ purpose: { kind: 'connect', shared: true } });
    const [a, b] = await Promise.all([new ShadowManager(client()).create(opts), new ShadowManager(client()).create(opts)]);
    try {
      expect([a.isJoined, b.isJoined].sort()).toEqual([false, true]);
      const pod = await cluster.getJson(['-n', env.namespace.name, 'pod', 'kt-connect-shadow-daemon']);
      expect(pod.metadata.annotations['kt-ref-count']).toBe('2');
    } finally {
      await a.cleanup();
      await b.cleanup();
    }
    expect(await ktObjects()).toEqual([]);
  });

  it('removes what it created when the start is cancelled (Ctrl-C while waiting)', async () => {
    const abort = new AbortController();
    const progress: string[] = [];
    const started = new ShadowManager(client(), {
      onProgress: (p) => {
        progress.push(p.phase);
        if (p.phase === 'scheduled') abort.abort();
      },
    }).create(standIn({ signal: abort.signal }));
    await expect(started).rejects.toMatchObject({ code: 'KT_CANCELLED' });
    expect(progress).toContain('scheduled');
    expect(await ktObjects()).toEqual([]);
  });

  it('recreates a deleted shadow pod by itself when supervised, saying reconnecting then connected', async () => {
    const progress: ShadowProgress[] = [];
    const handle = await new ShadowManager(client(), { onProgress: (p) => progress.push(p) }).create(standIn());
    try {
      handle.supervise();
      const uid = (await cluster.getJson(['-n', env.namespace.name, 'pod', handle.name])).metadata.uid;
      await cluster.kubectlOk(['-n', env.namespace.name, 'delete', 'pod', handle.name, '--wait=false']);
      await waitFor(() => progress.some((p) => p.phase === 'connected'), { timeoutMs: 60_000, what: 'the shadow back' });
      const again = await cluster.getJson(['-n', env.namespace.name, 'pod', handle.name]);
      expect(again.metadata.uid).not.toBe(uid);
      expect(again.status.conditions.find((c: { type: string }) => c.type === 'Ready').status).toBe('True');
      const phases = progress.map((p) => p.phase);
      expect(phases.indexOf('reconnecting')).toBeLessThan(phases.lastIndexOf('connected'));
    } finally {
      await handle.cleanup();
    }
    expect(await ktObjects()).toEqual([]);
  });

  it('fails with KT_IMAGE_PULL_FAILED naming the image, and leaves nothing behind', async () => {
    // Never pull: the kubelet reports ErrImageNeverPull at once and nothing leaves the machine.
    const image = 'ktctl.local/no-such-shadow:0.0.0';
    const started = Date.now();
    const neverPull = (spec: Record<string, any>) => (spec.containers[0].imagePullPolicy = 'Never');
    const err = await new ShadowManager(client()).create(standIn({ image, customizePodSpec: neverPull })).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'KT_IMAGE_PULL_FAILED',
      message: expect.stringContaining(image),
      hint: expect.stringContaining('--imageRegistry'),
    });
    expect(Date.now() - started).toBeLessThan(45_000);
    expect(await ktObjects()).toEqual([]);
  });

  it('fails with KT_POD_NOT_READY and the last event when the pod cannot be scheduled', async () => {
    const err = await new ShadowManager(client())
      .create(standIn({ nodeSelector: 'kt-e2e/no-such=node', podCreationTimeout: 5 }))
      .catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'KT_POD_NOT_READY',
      message: expect.stringMatching(/not ready within 5s \(last event: FailedScheduling/),
    });
    expect(await ktObjects()).toEqual([]);
  });

  it('refuses on RBAC with one line naming verb, resource and namespace, and leaves nothing', async () => {
    await env.namespace.grantRestricted();
    const err = await new ShadowManager(client('restricted')).create(standIn()).catch((e: unknown) => e);
    // Every missing permission in one line; port-forward, which the role allows, is not named.
    expect(err).toMatchObject({
      code: 'KT_FORBIDDEN',
      message: `You may not create configmaps, patch configmaps, delete configmaps, create pods, patch pods, delete pods in namespace ${env.namespace.name}`,
      hint: expect.stringContaining('Ask your cluster admin'),
    });
    expect((err as Error).message).not.toContain('\n');
    expect(await ktObjects()).toEqual([]);
  });
});
