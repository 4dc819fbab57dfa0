// Keeps a participant's routing alive: the router pod is a bare pod, so when it is deleted any live
// participant recreates it (under the kt-lock, from the last state its watch saw: same kt-target, so the
// Service follows, and the rules it carried, minus routes whose mesh Service is gone). A participant whose
// own route went missing (a router made afresh by someone else) adds it back.
import type { Logger } from '@ktctl/plugin-api';
import { Keys, isStatus, watchObjects, type KubeClient } from '@ktctl/kube';
import type { RouterRoute } from '@ktctl/agent-contract';
import { rulesAnnotations, storedRules, withRoute } from '../shared/router-rules.js';
import { push, requireFree, type PushRules } from './join.js';
import { lockForMesh } from './mesh-lock.js';
import { waitGone, waitRouterReady } from './router-ready.js';
import { meshServiceNames, routerRef, updateRules, type RouterPodView } from '../shared/router-state.js';

export interface RouterSupervisorOptions {
  readonly service: string;
  readonly route: RouterRoute;
  readonly user: string;
  readonly logger: Logger;
  /** Told when routing is degraded and when it is back. */
  readonly onStatus: (state: 'router-lost' | 'router-back' | 'route-restored', detail: string) => void;
  readonly intervalMs?: number;
  readonly podTimeoutSeconds?: number;
  /** How a restored route reaches the running router (default: its control port); tests replace it. */
  readonly push?: PushRules;
}

type FullPod = RouterPodView & { apiVersion?: string; kind?: string; spec?: Record<string, any> };

/** The pod to create again: the same metadata and spec, without what the cluster assigned. */
export function recreatedPod(last: FullPod, liveBackends: ReadonlySet<string>, own: RouterRoute): Record<string, any> {
  const rules = storedRules(last.metadata.annotations);
  const kept = rules && {
    ...rules,
    generation: rules.generation + 1,
    routes: rules.routes.filter((r) => r.backend === own.backend || liveBackends.has(r.backend)),
  };
  const spec = { ...(last.spec ?? {}) };
  delete spec.nodeName;
  const { name, labels, annotations } = last.metadata;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels, annotations: { ...annotations, ...(kept ? rulesAnnotations(kept) : {}) } },
    spec,
  };
}

/** Watches the router pod (and polls it every `intervalMs`) until stopped. */
export function superviseRouter(client: KubeClient, options: RouterSupervisorOptions): { stop(): Promise<void> } {
  const ref = routerRef(client, options.service);
  const stop = new AbortController();
  let last: FullPod | undefined;
  let running: Promise<void> | undefined;
  const check = (): void => {
    if (stop.signal.aborted) return;
    running ??= reconcile()
      .catch((error: unknown) => options.logger.debug(`router supervision: ${(error as Error).message}`))
      .finally(() => (running = undefined));
  };
  const reconcile = async (): Promise<void> => {
    const pod = await client.find<FullPod>(ref);
    if (pod && !pod.metadata.deletionTimestamp) {
      last = pod;
      if (!storedRules(pod.metadata.annotations)?.routes.some((r) => r.backend === options.route.backend)) await restoreRoute();
      return;
    }
    if (!last) return;
    options.onStatus('router-lost', `router pod ${ref.name} is gone; bringing it back…`);
    await waitGone(client, ref);
    if (await recreate(last)) options.onStatus('router-back', `router pod ${ref.name} is back with its rules`);
  };
  const recreate = async (from: FullPod): Promise<boolean> => {
    const lock = await lockForMesh(client, options.service, options.user, { waitMs: 30_000, signal: stop.signal });
    try {
      if (stop.signal.aborted || (await client.find(ref))) return true;
      // Someone put the Service back (ktctl recover): bringing a router back would route nothing and leak it.
      if (lock.service.spec.selector?.[Keys.target] !== from.metadata.labels?.[Keys.target]) {
        options.onStatus(
          'router-lost',
          `service ${options.service} no longer selects the router (recovered?): your header is not routed here any more`,
        );
        last = undefined;
        return false;
      }
      await client
        .create(ref, recreatedPod(from, await meshServiceNames(client, options.service), options.route))
        .catch((error: unknown) => {
          if (!isStatus(error, 409)) throw error;
        });
    } finally {
      await lock.release().catch(() => undefined);
    }
    await waitRouterReady(client, ref, options.podTimeoutSeconds ?? 60, stop.signal);
    return true;
  };
  const restoreRoute = async (): Promise<void> => {
    const rules = await updateRules(
      client,
      ref,
      (current) => (requireFree(options.service, current, options.route), withRoute(current, options.route)),
    );
    if (!rules) return;
    await (options.push ?? push)(client, ref, rules);
    options.onStatus('route-restored', `your route was missing from router ${ref.name}; added again`);
  };
  const timer = setInterval(check, options.intervalMs ?? 10_000);
  timer.unref();
  void watchObjects<FullPod>(
    client,
    { apiVersion: 'v1', resource: 'pods', namespace: client.namespace },
    {
      query: `fieldSelector=${encodeURIComponent(`metadata.name=${ref.name}`)}`,
      signal: stop.signal,
      onInterrupt: (error) => options.logger.debug(`watch on router ${ref.name}: ${(error as Error).message}`),
      onEvent: (event) => {
        if (event.type !== 'DELETED' && !event.object.metadata.deletionTimestamp) last = event.object;
        else check();
      },
    },
  );
  return {
    async stop() {
      stop.abort();
      clearInterval(timer);
      await running;
    },
  };
}
