import type { Logger } from '@ktctl/plugin-api';
import { Heartbeat, Keys, watchObjects, type KubeClient } from '@ktctl/kube';
import { serviceRef } from '../shared/service-lock.js';
import { STALE_AFTER_SECONDS } from '../shared/stale.js';
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
  /** Stops the watch and heartbeat, then restores the selector and annotations exactly (not once someone else took it). */
  restore(): Promise<void>;
  /**
   * Resolves with a line for the user once someone else took the Service (their redirect or a fresh
   * `kt-lock`), e.g. after a clean while this laptop slept: the run should end, leaving it to them.
   */
  readonly lost: Promise<string>;
}

/** Who, other than this run, holds the Service now: its redirect to another shadow, or a fresh kt-lock (we hold none by now). */
export function takenBy(svc: ServiceState, target: string, now: number): string | undefined {
  const who = svc.metadata.annotations?.[Keys.user] ?? 'another ktctl run';
  const redirectedTo = svc.spec.selector?.[Keys.target];
  if (redirectedTo !== undefined && redirectedTo !== target) return who;
  const lock = Number(svc.metadata.annotations?.[Keys.lock]);
  if (Number.isFinite(lock) && lock > 0 && now - lock < STALE_AFTER_SECONDS) return who;
  return undefined;
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
  let lostTo: string | undefined;
  let onLost: (line: string) => void = () => {};
  const lost = new Promise<string>((resolve) => (onLost = resolve));
  // Judged on the Service as it is now, not on the event: after a long sleep the watch replays old states.
  const reapply = async (): Promise<void> => {
    const current = await client.get<ServiceState>(ref);
    if (stop.signal.aborted || lostTo || isRedirectedTo(current, target)) return;
    const taker = takenBy(current, target, await client.clusterUnixSeconds());
    if (taker) {
      lostTo = taker;
      await heartbeat.stop();
      onLost(`Service ${name} was taken by ${taker} meanwhile; ending the exchange and leaving the Service to them`);
      return;
    }
    wanted = editedOriginal(current, wanted, target);
    logger.warn(`Service ${name} was changed by someone else; pointing it back at the shadow`);
    await apply(current);
  };
  void watchObjects<ServiceState>(
    client,
    { apiVersion: 'v1', resource: 'services', namespace: client.namespace },
    {
      query: `fieldSelector=${encodeURIComponent(`metadata.name=${name}`)}`,
      signal: stop.signal,
      onInterrupt: (err) => logger.debug(`watch on service ${name}: ${(err as Error).message}`),
      onEvent: (event) => {
        if (event.type === 'DELETED' || stop.signal.aborted || lostTo || isRedirectedTo(event.object, target)) return;
        reapplying = reapplying
          .then(reapply)
          .catch((err: unknown) => logger.warn(`could not re-apply the redirect of service ${name}: ${(err as Error).message}`));
      },
    },
  );
  return {
    lost,
    async restore() {
      stop.abort();
      await heartbeat.stop();
      await reapplying;
      const current = await client.find<ServiceState>(ref);
      // Another run's redirect is theirs to undo.
      const redirectedTo = current?.spec.selector?.[Keys.target];
      if (!current || lostTo || (redirectedTo !== undefined && redirectedTo !== target)) return;
      await client.mergePatch(ref, restorePatch(current, wanted));
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
