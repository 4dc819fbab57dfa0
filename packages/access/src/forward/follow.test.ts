import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeClient, ServiceView } from '@ktctl/kube';
import { ServicePodFollower, type FollowEvent } from './follow.js';

const service: ServiceView = {
  metadata: { name: 'web', namespace: 'dev' },
  spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
};

function pod(name: string, ready = true, terminating = false) {
  return {
    metadata: { name, resourceVersion: '1', ...(terminating ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  };
}

/** A client whose pod list is settable and whose watch stream the test writes events into. */
function fakeCluster(initial: ReturnType<typeof pod>[]) {
  let pods = initial;
  const stream = new PassThrough();
  const client = {
    namespace: 'dev',
    list: async () => ({ items: pods, metadata: { resourceVersion: '1' } }),
    find: async () => service,
    transport: { openStream: async () => stream },
  } as unknown as KubeClient;
  return {
    client,
    setPods: (next: ReturnType<typeof pod>[]) => (pods = next),
    send: (type: string, object: ReturnType<typeof pod>) => stream.write(`${JSON.stringify({ type, object })}\n`),
  };
}

let follower: ServicePodFollower | undefined;
afterEach(() => follower?.stop());

describe('ServicePodFollower', () => {
  it('starts on a ready pod and reports none as KT_POD_NOT_READY', async () => {
    const none = fakeCluster([pod('web-1', false)]);
    await expect(new ServicePodFollower(none.client, service).start()).rejects.toMatchObject({
      code: 'KT_POD_NOT_READY',
      message: 'Service web has no ready pod in namespace dev',
    });
    const one = fakeCluster([pod('web-1', false), pod('web-2')]);
    follower = new ServicePodFollower(one.client, service);
    expect((await follower.start()).metadata.name).toBe('web-2');
    expect(await follower.resolve('initial')).toBe('web-2');
  });

  it('notices the pod going away and adopts the next ready one, saying both', async () => {
    const cluster = fakeCluster([pod('web-1')]);
    const events: FollowEvent[] = [];
    follower = new ServicePodFollower(cluster.client, service, (e) => events.push(e));
    await follower.start();
    await sleep(20);
    cluster.send('MODIFIED', pod('web-1', true, true));
    cluster.send('ADDED', pod('web-2', false));
    await sleep(20);
    expect(follower.pod).toBeUndefined();
    cluster.send('MODIFIED', pod('web-2'));
    await sleep(20);
    expect(events).toEqual([
      { kind: 'lost', pod: 'web-1', why: 'terminating' },
      { kind: 'following', pod: 'web-2', previous: 'web-1' },
    ]);
    expect(await follower.resolve('initial')).toBe('web-2');
  });

  it('on a retry looks again, keeping the current pod while it is still ready', async () => {
    const cluster = fakeCluster([pod('web-1'), pod('web-2')]);
    const events: FollowEvent[] = [];
    follower = new ServicePodFollower(cluster.client, service, (e) => events.push(e));
    await follower.start();
    expect(await follower.resolve('retry')).toBe('web-1');
    cluster.setPods([pod('web-2')]);
    expect(await follower.resolve('retry')).toBe('web-2');
    expect(events).toEqual([{ kind: 'following', pod: 'web-2', previous: 'web-1' }]);
    cluster.setPods([]);
    await expect(follower.resolve('retry')).rejects.toMatchObject({ code: 'KT_POD_NOT_READY' });
  });
});
