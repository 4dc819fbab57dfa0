import type { KubeClient, ObjectRef } from '../client.js';
import { isStatus } from '../errors.js';
import { Keys } from '../names.js';
import { AGENT_AUTHORIZED_KEYS_FILE } from '@ktctl/agent-contract';

interface Meta {
  metadata: { resourceVersion?: string; annotations?: Record<string, string>; deletionTimestamp?: string };
  data?: Record<string, string>;
}

const MAX_CONFLICT_RETRIES = 8;

/**
 * Joins an existing shared shadow (`--shareShadow`): bumps `kt-ref-count` and adds this run's public key
 * to its ConfigMap. False when there is none yet (the caller creates it). The kubelet refreshes the
 * mounted key file within about a minute, so SSH may need a few tries for a joiner.
 */
export async function joinSharedShadow(client: KubeClient, publicKey: string, workload: ObjectRef): Promise<boolean> {
  const joined = await updateRefCount(client, workload, +1);
  if (joined === undefined) return false;
  await editKeys(client, { ...workload, apiVersion: 'v1', resource: 'configmaps' }, (lines) => [...lines, publicKey]);
  return true;
}

/** Leaves a shared shadow: the last one out deletes it, the others only drop their key and the count. */
export async function leaveSharedShadow(client: KubeClient, workload: ObjectRef, publicKey: string): Promise<void> {
  const left = await updateRefCount(client, workload, -1);
  const cm: ObjectRef = { ...workload, apiVersion: 'v1', resource: 'configmaps' };
  if (left === undefined || left <= 0) {
    await client.delete(workload);
    await Promise.all([client.deleteAndWait(workload), client.deleteAndWait(cm)]);
    return;
  }
  await editKeys(client, cm, (lines) => lines.filter((l) => l.trim() !== publicKey.trim()));
}

/** Adds `delta` to `kt-ref-count` under optimistic concurrency; the new count, or undefined if the object is gone. */
export async function updateRefCount(client: KubeClient, ref: ObjectRef, delta: number): Promise<number | undefined> {
  for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
    const obj = await client.find<Meta>(ref);
    if (!obj || obj.metadata.deletionTimestamp) return undefined;
    const count = Math.max(0, Number(obj.metadata.annotations?.[Keys.refCount] ?? '1') || 1) + delta;
    try {
      await client.mergePatch(ref, {
        metadata: { resourceVersion: obj.metadata.resourceVersion, annotations: { [Keys.refCount]: String(count) } },
      });
      return count;
    } catch (err) {
      if (isStatus(err, 404)) return undefined;
      if (!isStatus(err, 409)) throw err;
    }
  }
  throw new Error(`${ref.resource}/${ref.name}: kt-ref-count kept changing under us (${MAX_CONFLICT_RETRIES} conflicts)`);
}

async function editKeys(client: KubeClient, cm: ObjectRef, edit: (lines: string[]) => string[]): Promise<void> {
  for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
    const obj = await client.find<Meta>(cm);
    if (!obj) return;
    const lines = (obj.data?.[AGENT_AUTHORIZED_KEYS_FILE] ?? '').split('\n').filter((l) => l.trim());
    const data = `${[...new Set(edit(lines))].join('\n')}\n`;
    try {
      await client.mergePatch(cm, {
        metadata: { resourceVersion: obj.metadata.resourceVersion },
        data: { [AGENT_AUTHORIZED_KEYS_FILE]: data },
      });
      return;
    } catch (err) {
      if (!isStatus(err, 409)) throw err;
    }
  }
}
