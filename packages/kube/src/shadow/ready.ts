import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode, UserError } from '@ktctl/plugin-api';
import type { KubeClient } from '../client.js';
import {
  assessPod,
  imagePullError,
  lastEventLine,
  podNotReadyError,
  type EventView,
  type PodView,
  type ShadowPhase,
  type ShadowProgress,
} from './wait.js';

/** How to find the shadow's pod: by name (bare pod) or by the kt-target label (Deployment). */
export type PodLocator = { namespace: string; name: string } | { namespace: string; target: string };

export interface WaitReadyOptions {
  timeoutSeconds: number;
  image: string;
  onProgress?: (p: ShadowProgress) => void;
  signal?: AbortSignal | undefined;
  pollMs?: number;
}

const PHASE_ORDER: readonly ShadowPhase[] = ['created', 'scheduled', 'pulling', 'image-present', 'running', 'ready'];

/** Polls until the shadow pod is Running and Ready, reporting each new phase; returns the pod's name. */
export async function waitForShadowPod(client: KubeClient, where: PodLocator, opts: WaitReadyOptions): Promise<string> {
  const deadline = Date.now() + opts.timeoutSeconds * 1000;
  const seen = new Set<string>();
  let reached = -1;
  let events: EventView[] = [];
  let eventsAt = 0;
  let name = 'name' in where ? where.name : undefined;
  while (Date.now() < deadline) {
    opts.signal?.throwIfAborted();
    const pod = await findPod(client, where);
    if (pod) {
      name = pod.metadata.name;
      if (Date.now() - eventsAt >= 1000) {
        events = await podEvents(client, where.namespace, name);
        eventsAt = Date.now();
      }
      const a = assessPod(pod, events);
      for (const p of a.phases) {
        // Events arrive later than the status: never report "image present" after "running".
        const rank = PHASE_ORDER.indexOf(p.phase);
        if (seen.has(p.phase) || rank < reached) continue;
        seen.add(p.phase);
        reached = rank;
        opts.onProgress?.({ ...p, pod: name });
      }
      if (a.failure === 'image-pull') throw imagePullError(opts.image, a.failureDetail ?? '');
      if (a.ready) return name;
    }
    // Quick polls while a healthy pod is about to be ready (about a second), calmer once it takes longer.
    const pause = opts.pollMs ?? (Date.now() - (deadline - opts.timeoutSeconds * 1000) < 5_000 ? 200 : 1000);
    await sleep(pause, undefined, { signal: opts.signal }).catch(() => opts.signal?.throwIfAborted());
  }
  throw podNotReadyError(name ?? ('target' in where ? `with kt-target=${where.target}` : '?'), opts.timeoutSeconds, lastEventLine(events));
}

async function findPod(client: KubeClient, where: PodLocator): Promise<PodView | undefined> {
  if ('name' in where) {
    const pod = await client.find<PodView & { metadata: { deletionTimestamp?: string } }>({
      apiVersion: 'v1',
      resource: 'pods',
      namespace: where.namespace,
      name: where.name,
    });
    if (pod?.metadata.deletionTimestamp) return undefined;
    return pod;
  }
  const list = await client.list<PodView & { metadata: { deletionTimestamp?: string } }>(
    { apiVersion: 'v1', resource: 'pods', namespace: where.namespace },
    `labelSelector=${encodeURIComponent(`kt-target=${where.target}`)}`,
  );
  const live = list.items.filter((p) => !p.metadata.deletionTimestamp);
  return live.find((p) => assessPod(p).ready) ?? live[0];
}

/** The pod's events, oldest first; empty when the user may not list events (progress is then coarser). */
async function podEvents(client: KubeClient, namespace: string, pod: string): Promise<EventView[]> {
  try {
    const q = `fieldSelector=${encodeURIComponent(`involvedObject.name=${pod},involvedObject.kind=Pod`)}`;
    return (await client.list<EventView>({ apiVersion: 'v1', resource: 'events', namespace }, q)).items;
  } catch (err) {
    if (err instanceof UserError && err.code === ErrorCode.Forbidden) return [];
    throw err;
  }
}
