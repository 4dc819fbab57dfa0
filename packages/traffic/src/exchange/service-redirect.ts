import type { Logger } from '@ktctl/plugin-api';
import { Heartbeat, Keys, watchObjects, type KubeClient } from '@ktctl/kube';
import { serviceRef } from '../shared/service-lock.js';
import {
  isRedirectedTo,
  redirectPatch,
  restorePatch,
  savedSelector,
  type ServiceOriginal,
  type ServiceState,
} from '../shared/service-selector.js';

/** A Service pointed at a shadow: kept that way while the run lives, put back by `restore()`. */
export interface ServiceRedirect {
  /** Stops the watch and heartbeat, then restores the selector and annotations exactly. */
  restore(): Promise<void>;
}

/**
 * Selector mode: the Service selects the shadow (`kt-target`), its original selector kept in `kt-selector`.
 * A watch re-applies the redirect when someone edits the Service meanwhile (a new selector they set is
 * taken as the new original); a heartbeat marks the Service as held by a live run.
 */
export async function redirectService(
  client: KubeClient,
  name: string,
  original: ServiceOriginal,
  target: string,
  user: string,
  logger: Logger,
): Promise<ServiceRedirect> {
  const ref = serviceRef(client, name);
  let wanted = original;
  const apply = async (current: ServiceState): Promise<void> => {
    await client.mergePatch(ref, redirectPatch(current, wanted, target, user, await client.clusterUnixSeconds()));
  };
  await apply(await client.get<ServiceState>(ref));
  const heartbeat = new Heartbeat(client, (err) => logger.warn(`heartbeat on service ${name} failed: ${(err as Error).message}`));
  heartbeat.add(ref);
  heartbeat.start();
  const stop = new AbortController();
  let reapplying = Promise.resolve();
  void watchObjects<ServiceState>(
    client,
    { apiVersion: 'v1', resource: 'services', namespace: client.namespace },
    {
      query: `fieldSelector=${encodeURIComponent(`metadata.name=${name}`)}`,
      signal: stop.signal,
      onInterrupt: (err) => logger.debug(`watch on service ${name}: ${(err as Error).message}`),
      onEvent: (event) => {
        if (event.type === 'DELETED' || stop.signal.aborted || isRedirectedTo(event.object, target)) return;
        wanted = editedOriginal(event.object, wanted, target);
        logger.warn(`Service ${name} was changed by someone else; pointing it back at the shadow`);
        reapplying = reapplying
          .then(() => apply(event.object))
          .catch((err: unknown) => logger.warn(`could not re-apply the redirect of service ${name}: ${(err as Error).message}`));
      },
    },
  );
  return {
    async restore() {
      stop.abort();
      await heartbeat.stop();
      await reapplying;
      const current = await client.find<ServiceState>(ref);
      if (current) await client.mergePatch(ref, restorePatch(current, wanted));
    },
  };
}

/** Someone's edit: a selector without our `kt-target` is their new original; otherwise keep ours. */
export function editedOriginal(svc: ServiceState, previous: ServiceOriginal, target: string): ServiceOriginal {
  const selector = svc.spec.selector ?? {};
  if (selector[Keys.target] === target || Object.keys(selector).length === 0)
    return { ...previous, selector: savedSelector(svc) ?? previous.selector };
  return { ...previous, selector: { ...selector } };
}
