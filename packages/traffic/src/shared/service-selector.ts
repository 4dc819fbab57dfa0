import { Keys } from '@ktctl/kube';

/** The Service fields a redirect reads and restores. */
export interface ServiceState {
  metadata: { name: string; namespace?: string; annotations?: Record<string, string>; resourceVersion?: string };
  spec: { selector?: Record<string, string> };
}

/** Annotations a redirect may add to a Service it does not own; restore puts each back as it was. */
export const REDIRECT_ANNOTATIONS = [Keys.selector, Keys.lock, Keys.user, Keys.lastHeartBeat] as const;

type Patch = Record<string, any>;

/** A merge patch that makes a string map exactly `wanted` (keys not in it are removed). */
export function exactMapPatch(
  current: Readonly<Record<string, string>> | undefined,
  wanted: Readonly<Record<string, string>>,
): Record<string, string | null> {
  const patch: Record<string, string | null> = { ...wanted };
  for (const key of Object.keys(current ?? {})) if (!(key in wanted)) patch[key] = null;
  return patch;
}

/** The snapshot a restore goes back to: the original selector and the original values of the keys a redirect touches. */
export interface ServiceOriginal {
  readonly selector: Record<string, string>;
  readonly annotations: Partial<Record<(typeof REDIRECT_ANNOTATIONS)[number], string>>;
}

export function snapshot(svc: ServiceState): ServiceOriginal {
  const annotations: ServiceOriginal['annotations'] = {};
  for (const key of REDIRECT_ANNOTATIONS) {
    const value = svc.metadata.annotations?.[key];
    if (value !== undefined) annotations[key] = value;
  }
  return { selector: { ...(svc.spec.selector ?? {}) }, annotations };
}

/** Takes the short `kt-lock` (cluster seconds) and records who holds it; fails on a concurrent change (resourceVersion). */
export function lockPatch(svc: ServiceState, user: string, now: number): Patch {
  return { metadata: { resourceVersion: svc.metadata.resourceVersion, annotations: { [Keys.lock]: String(now), [Keys.user]: user } } };
}

/**
 * Points the Service at the shadow (`kt-target`), keeping the original selector in `kt-selector` (JSON, as
 * KtConnect does), naming the user and starting the heartbeat; releases the lock in the same write.
 */
export function redirectPatch(current: ServiceState, original: ServiceOriginal, target: string, user: string, now: number): Patch {
  return {
    metadata: {
      annotations: {
        [Keys.selector]: JSON.stringify(original.selector),
        [Keys.user]: user,
        [Keys.lastHeartBeat]: String(now),
        [Keys.lock]: null,
      },
    },
    spec: { selector: exactMapPatch(current.spec.selector, { [Keys.target]: target }) },
  };
}

/** Puts the selector and every annotation a redirect touched back exactly as they were. */
export function restorePatch(current: ServiceState, original: ServiceOriginal): Patch {
  const annotations: Record<string, string | null> = {};
  for (const key of REDIRECT_ANNOTATIONS) annotations[key] = original.annotations[key] ?? null;
  return { metadata: { annotations }, spec: { selector: exactMapPatch(current.spec.selector, original.selector) } };
}

/** Releases a lock this run took (nothing else changed yet). */
export function unlockPatch(original: ServiceOriginal): Patch {
  return {
    metadata: {
      annotations: { [Keys.lock]: original.annotations[Keys.lock] ?? null, [Keys.user]: original.annotations[Keys.user] ?? null },
    },
  };
}

/** True when the Service currently points at this shadow and still carries the original. */
export function isRedirectedTo(svc: ServiceState, target: string): boolean {
  const selector = svc.spec.selector ?? {};
  return Object.keys(selector).length === 1 && selector[Keys.target] === target && svc.metadata.annotations?.[Keys.selector] !== undefined;
}

/** The original selector a redirected Service carries in `kt-selector`, if it is readable. */
export function savedSelector<S extends { metadata: { annotations?: Readonly<Record<string, string>> } }>(
  svc: S,
): Record<string, string> | undefined {
  const text = svc.metadata.annotations?.[Keys.selector];
  if (!text) return undefined;
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed) && Object.values(parsed).every((v) => typeof v === 'string'))
      return parsed as Record<string, string>;
  } catch {
    // KtConnect wrote JSON; anything else was edited by hand
  }
  return undefined;
}

/** Does `labels` carry every key/value of `selector` (a non-empty selector)? */
export function selects(
  selector: Readonly<Record<string, string>> | undefined,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  const entries = Object.entries(selector ?? {});
  return entries.length > 0 && entries.every(([k, v]) => labels?.[k] === v);
}
