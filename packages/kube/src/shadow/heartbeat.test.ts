import { afterEach, describe, expect, it, vi } from 'vitest';
import type { KubeClient, ObjectRef } from '../client.js';
import { Heartbeat } from './heartbeat.js';

function fakeClient(seconds: () => number, fail?: (ref: ObjectRef) => boolean) {
  const patches: Array<{ ref: ObjectRef; patch: unknown }> = [];
  const client = {
    clusterUnixSeconds: async () => seconds(),
    mergePatch: async (ref: ObjectRef, patch: unknown) => {
      if (fail?.(ref)) throw new Error(`no ${ref.name}`);
      patches.push({ ref, patch });
      return { status: 200, body: {}, date: undefined };
    },
  } as unknown as KubeClient;
  return { client, patches };
}

const pod: ObjectRef = { apiVersion: 'v1', resource: 'pods', namespace: 'ns', name: 'p' };
const cm: ObjectRef = { apiVersion: 'v1', resource: 'configmaps', namespace: 'ns', name: 'p' };

afterEach(() => {
  vi.useRealTimers();
});

describe('Heartbeat', () => {
  it('writes cluster seconds on every object each interval, and stops', async () => {
    vi.useFakeTimers();
    let now = 1000;
    const { client, patches } = fakeClient(() => now);
    const hb = new Heartbeat(client, undefined, 120_000);
    hb.add(pod);
    hb.add(cm);
    hb.start();
    await vi.advanceTimersByTimeAsync(119_000);
    expect(patches).toEqual([]);
    now = 1120;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(patches.map((p) => [p.ref.resource, p.patch])).toEqual([
      ['pods', { metadata: { annotations: { 'kt-last-heart-beat': '1120' } } }],
      ['configmaps', { metadata: { annotations: { 'kt-last-heart-beat': '1120' } } }],
    ]);
    await hb.stop();
    await vi.advanceTimersByTimeAsync(600_000);
    expect(patches).toHaveLength(2);
  });

  it('reports a failed object without stopping the others', async () => {
    const errors: string[] = [];
    const { client, patches } = fakeClient(
      () => 5,
      (ref) => ref.resource === 'pods',
    );
    const hb = new Heartbeat(client, (err, ref) => errors.push(`${ref.resource}: ${(err as Error).message}`));
    hb.add(pod);
    hb.add(cm);
    await hb.beat();
    expect(errors).toEqual(['pods: no p']);
    expect(patches.map((p) => p.ref.resource)).toEqual(['configmaps']);
  });
});
