import { describe, expect, it } from 'vitest';
import type { KubeClient, ObjectRef } from '../client.js';
import { generateSshKeyPair } from '@ktctl/tunnel/keys';
import { ShadowHandle } from './handle.js';
import { Heartbeat } from './heartbeat.js';
import type { ShadowProgress } from './wait.js';

const ns = 'dev';
const name = 'kt-connect-shadow-abcde';
const ready = { metadata: { name }, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } };
const restarting = { metadata: { name }, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] } };

/** A cluster whose pod answers are scripted per call; creations are recorded. */
function fakeCluster(podAnswers: unknown[], configMapExists = true) {
  const created: string[] = [];
  const client = {
    namespace: ns,
    find: async (ref: ObjectRef) =>
      ref.resource === 'pods' ? (podAnswers.length > 1 ? podAnswers.shift() : podAnswers[0]) : configMapExists ? {} : undefined,
    list: async () => ({ items: [] }),
    create: async (ref: ObjectRef) => {
      created.push(ref.resource);
      return {};
    },
    clusterUnixSeconds: async () => 1,
  } as unknown as KubeClient;
  return { client, created };
}

function handleFor(client: KubeClient, progress: ShadowProgress[]): ShadowHandle {
  const refs = {
    configMap: { apiVersion: 'v1', resource: 'configmaps', namespace: ns, name },
    workload: { apiVersion: 'v1', resource: 'pods', namespace: ns, name },
  };
  const input = {
    name,
    namespace: ns,
    purpose: { kind: 'connect' as const },
    image: 'img',
    target: 'zzzzz',
    authorizedKeys: 'k',
    user: 'u',
    heartbeat: 1,
  };
  return new ShadowHandle(client, {
    input,
    refs,
    keys: generateSshKeyPair(),
    keyFile: { path: '/nonexistent', remove: async () => {} },
    heartbeat: new Heartbeat(client),
    useDeployment: false,
    timeoutSeconds: 10,
    hooks: { onProgress: (p) => progress.push(p) },
  });
}

describe('ShadowHandle.ensureReady', () => {
  it('returns at once when the pod is ready', async () => {
    const { client, created } = fakeCluster([ready]);
    const progress: ShadowProgress[] = [];
    expect(await handleFor(client, progress).ensureReady()).toBe(name);
    expect(progress).toEqual([]);
    expect(created).toEqual([]);
  });

  it('waits for a restarting pod without creating anything', async () => {
    const { client, created } = fakeCluster([restarting, restarting, ready]);
    const progress: ShadowProgress[] = [];
    await handleFor(client, progress).ensureReady();
    expect(created).toEqual([]);
    expect(progress.map((p) => p.phase)).toEqual(['reconnecting', 'image-present', 'running', 'ready', 'connected']);
  });

  it('recreates a deleted pod (and its ConfigMap when that is gone too), sharing one recovery between callers', async () => {
    const { client, created } = fakeCluster([undefined, undefined, ready], false);
    const progress: ShadowProgress[] = [];
    const handle = handleFor(client, progress);
    const [a, b] = await Promise.all([handle.ensureReady(), handle.ensureReady()]);
    expect([a, b]).toEqual([name, name]);
    expect(created).toEqual(['configmaps', 'pods']);
    expect(progress.filter((p) => p.phase === 'reconnecting')).toHaveLength(1);
  });
});
