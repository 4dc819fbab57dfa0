// The join/leave protocol of mesh auto mode. Everything that changes the shared objects (the Service's
// selector, the router and its rules, the stuntman) happens while this laptop holds the Service's kt-lock,
// and every rules change is a patch conditional on the router's resourceVersion: a join racing a leave (or
// clean) re-reads and re-applies its edit instead of overwriting the other's.
import { ErrorCode, UserError, type Logger } from '@ktctl/plugin-api';
import { Keys, isStatus, stuntmanName, type KubeClient, type ObjectRef } from '@ktctl/kube';
import type { RouterRoute, RouterRuleSet } from '@ktctl/agent-contract';
import { applyRestore } from '../shared/restore.js';
import { conflictingRoute, withRoute, withoutBackends } from '../shared/router-rules.js';
import { serviceRef } from '../shared/service-lock.js';
import { redirectPatch, savedSelector, snapshot, type ServiceState } from '../shared/service-selector.js';
import { lockForMesh, type LockOptions } from './mesh-lock.js';
import { pushRules, routerControl } from './router-control.js';
import { waitGone, waitRouterReady } from './router-ready.js';
import { findRouter, meshServiceNames, routerRef, updateRules, type RouterPodView } from '../shared/router-state.js';

/** What a join needs to make the router and stuntman when it is the first. */
export interface JoinInput {
  readonly service: string;
  readonly route: RouterRoute;
  readonly user: string;
  /** The router pod for a fresh kt-target and first rule set. */
  readonly routerPod: (target: string, rules: RouterRuleSet) => Record<string, any>;
  /** The stuntman Service for the original selector. */
  readonly stuntman: (selector: Record<string, string>) => Record<string, any>;
  readonly newTarget: () => string;
  readonly podTimeoutSeconds: number;
  readonly logger: Logger;
  readonly lock?: LockOptions;
  /** How new rules reach the running router (default: PUT /rules through a port-forward); tests replace it. */
  readonly push?: PushRules;
}

/** Hands a rule set to the running router and waits until it routes by it. */
export type PushRules = (client: KubeClient, router: ObjectRef, rules: RouterRuleSet) => Promise<void>;

/** The refusal of a header and value someone else routes already. */
export function conflictError(service: string, taken: RouterRoute): UserError {
  return new UserError(
    ErrorCode.AlreadyRedirected,
    `Header "${taken.header}: ${taken.value}" on service ${service} is already routed to ${taken.user}; mesh changed nothing`,
    {
      hint: 'Pick another value (--versionMark <key>:<value>) or another header key',
    },
  );
}

/** Refuses when another developer routes the same header (any case) and value; this run's own route (same backend and user) is not a conflict. */
export function requireFree(service: string, rules: RouterRuleSet | undefined, route: RouterRoute): void {
  const taken = rules && (conflictingRoute(rules, route.header, route.value) ?? rules.routes.find((r) => r.backend === route.backend));
  if (taken && (taken.backend !== route.backend || taken.user !== route.user)) throw conflictError(service, taken);
}

/** Joins the Service's router with `route` (making router, stuntman and redirect if first); returns the rules in force. */
export async function joinMesh(client: KubeClient, input: JoinInput): Promise<RouterRuleSet> {
  const lock = await lockForMesh(client, input.service, input.user, input.lock);
  let released = false;
  try {
    const router = await findRouter(client, input.service);
    const joined = router && (await addRoute(client, input, router));
    if (joined) return joined;
    await waitGone(client, routerRef(client, input.service));
    const rules = await createRouter(client, input, lock.service);
    released = true; // the redirect released the lock in the same write
    return rules;
  } finally {
    if (!released)
      await lock
        .release()
        .catch((error: unknown) =>
          input.logger.warn(`could not release the kt-lock on service ${input.service}: ${(error as Error).message}`),
        );
  }
}

/** An existing router: add the route (conflict re-checked on the version written), point the Service at it, push. */
async function addRoute(client: KubeClient, input: JoinInput, router: RouterPodView): Promise<RouterRuleSet | undefined> {
  const ref = routerRef(client, input.service);
  const rules = await updateRules(client, ref, (current) => {
    requireFree(input.service, current, input.route);
    return withRoute(current, input.route);
  });
  if (!rules) return undefined;
  await ensureRedirected(client, input, router.metadata.labels?.[Keys.target] ?? '');
  await (input.push ?? push)(client, ref, rules);
  return rules;
}

/** A first joiner that died between making the router and redirecting left the Service alone: finish that. */
async function ensureRedirected(client: KubeClient, input: JoinInput, target: string): Promise<void> {
  const svc = await client.get<ServiceState>(serviceRef(client, input.service));
  if (svc.spec.selector?.[Keys.target] === target) return;
  const original = savedSelector(svc) ?? svc.spec.selector ?? {};
  const patch = redirectPatch(svc, { ...snapshot(svc), selector: original }, target, input.user, await client.clusterUnixSeconds());
  // Keep holding the lock: the caller releases it.
  delete patch.metadata.annotations[Keys.lock];
  await client.mergePatch(serviceRef(client, input.service), patch);
}

/**
 * The first participant: stuntman with the original selector, router with the first rule set, then the
 * Service. A Service still pointing at a router that is gone keeps its kt-target (and kt-selector), so the
 * others' supervisors and this router agree on it.
 */
async function createRouter(client: KubeClient, input: JoinInput, svc: ServiceState): Promise<RouterRuleSet> {
  const saved = savedSelector(svc);
  const original = saved ?? { ...(svc.spec.selector ?? {}) };
  const stuntman: ObjectRef = { ...serviceRef(client, stuntmanName(input.service)) };
  await client.create(stuntman, input.stuntman(original)).catch((error: unknown) => {
    if (!isStatus(error, 409)) throw error; // a leftover stuntman carries the same selector
  });
  const rules: RouterRuleSet = { generation: 1, default: stuntmanName(input.service), routes: [input.route] };
  const target = (saved && svc.spec.selector?.[Keys.target]) || input.newTarget();
  const ref = routerRef(client, input.service);
  await client.create(ref, input.routerPod(target, rules));
  try {
    await waitRouterReady(client, ref, input.podTimeoutSeconds);
    await client.mergePatch(
      serviceRef(client, input.service),
      redirectPatch(svc, { ...snapshot(svc), selector: original }, target, input.user, await client.clusterUnixSeconds()),
    );
  } catch (error) {
    await client.delete(ref, { gracePeriodSeconds: 0 }).catch(() => undefined);
    if (!saved) await client.delete(stuntman).catch(() => undefined);
    throw error;
  }
  return rules;
}

/** The real push: `PUT /rules` through a port-forward to the router's control port, confirmed by /healthz. */
export async function push(client: KubeClient, router: ObjectRef, rules: RouterRuleSet): Promise<void> {
  const control = routerControl(client, router.name!);
  try {
    await pushRules(control.connect, rules);
  } finally {
    control.close();
  }
}

/**
 * Leaves: the route to `backend` is removed; the last one out puts the Service back (the shared restore
 * rules: selector from kt-selector, ktctl's annotations removed) and removes router and stuntman.
 * Returns what failed, one line each.
 */
export async function leaveMesh(
  client: KubeClient,
  service: string,
  backend: string,
  user: string,
  logger: Logger,
  options: { lock?: LockOptions; push?: PushRules } = {},
): Promise<string[]> {
  const lock = await lockForMesh(client, service, user, options.lock);
  const failures: string[] = [];
  let restored = false;
  try {
    const ref = routerRef(client, service);
    const rules = await updateRules(client, ref, (current) => withoutBackends(current, [backend]));
    if (rules && rules.routes.length > 0) {
      await (options.push ?? push)(client, ref, rules).catch((error: unknown) =>
        logger.warn(`the router takes the new rules from its annotation within a minute (${(error as Error).message})`),
      );
      return failures;
    }
    if (!rules && (await othersRemain(client, service, backend))) return failures;
    restored = await restoreService(client, service, lock.service, failures);
    return failures;
  } finally {
    if (!restored)
      await lock.release().catch((error: unknown) => failures.push(`kt-lock on service ${service}: ${(error as Error).message}`));
  }
}

/** With the router gone, are there other developers' mesh Services (their supervisors bring the router back)? */
async function othersRemain(client: KubeClient, service: string, mine: string): Promise<boolean> {
  return [...(await meshServiceNames(client, service))].some((name) => name !== mine);
}

/** Last one out: the Service back, router and stuntman gone; true when the Service was restored (and so unlocked). */
async function restoreService(client: KubeClient, service: string, svc: ServiceState, failures: string[]): Promise<boolean> {
  const original = savedSelector(svc);
  const actions = [
    ...(original
      ? [{ kind: 'restore-selector' as const, service: serviceRef(client, service), selector: original, why: 'kt-selector' }]
      : []),
    { kind: 'delete' as const, ref: routerRef(client, service), immediate: true },
    { kind: 'delete' as const, ref: serviceRef(client, stuntmanName(service)) },
  ];
  await applyRestore(client, actions, {
    failed: (action, error) => failures.push(`${action.kind} ${'ref' in action ? action.ref.name : service}: ${error.message}`),
  });
  if (!original) failures.push(`service ${service} had no kt-selector; its selector was left as it is`);
  return original !== undefined && failures.length === 0;
}
