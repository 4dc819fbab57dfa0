import { describe, expect, it } from 'vitest';
import {
  exactMapPatch,
  isRedirectedTo,
  lockPatch,
  redirectPatch,
  restorePatch,
  savedSelector,
  selects,
  snapshot,
  unlockPatch,
  type ServiceState,
} from './service-selector.js';
import { editedOriginal } from '../exchange/service-redirect.js';

const svc: ServiceState = {
  metadata: { name: 'web', resourceVersion: '7', annotations: { owner: 'team' } },
  spec: { selector: { app: 'web', tier: 'fe' } },
};

/** What a JSON merge patch (RFC 7386) does to an object, to check the patches end where they should. */
function merge(target: any, patch: any): any {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out = { ...(target && typeof target === 'object' ? target : {}) };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = merge(out[k], v);
  }
  return out;
}

describe('selector transforms', () => {
  it('redirects to the shadow keeping the original, and restores exactly', () => {
    const original = snapshot(svc);
    const redirected = merge(svc, redirectPatch(svc, original, 'abcde', 'alice', 1000));
    expect(redirected.spec.selector).toEqual({ 'kt-target': 'abcde' });
    expect(redirected.metadata.annotations).toEqual({
      owner: 'team',
      'kt-selector': '{"app":"web","tier":"fe"}',
      'kt-user': 'alice',
      'kt-last-heart-beat': '1000',
    });
    expect(isRedirectedTo(redirected, 'abcde')).toBe(true);
    expect(isRedirectedTo(svc, 'abcde')).toBe(false);
    expect(savedSelector(redirected)).toEqual({ app: 'web', tier: 'fe' });
    expect(merge(redirected, restorePatch(redirected, original))).toEqual(svc);
  });

  it('locks conditionally on the version read, and unlocks to what was there', () => {
    expect(lockPatch(svc, 'alice', 5)).toEqual({ metadata: { resourceVersion: '7', annotations: { 'kt-lock': '5', 'kt-user': 'alice' } } });
    const locked = merge(svc, lockPatch(svc, 'alice', 5));
    expect(merge(locked, unlockPatch(snapshot(svc)))).toEqual({ ...svc, metadata: { ...svc.metadata } });
    // The redirect releases the lock in the same write.
    expect(merge(locked, redirectPatch(locked, snapshot(svc), 't', 'alice', 6)).metadata.annotations['kt-lock']).toBeUndefined();
  });

  it('takes a selector someone else set meanwhile as the new original', () => {
    const original = snapshot(svc);
    const edited: ServiceState = {
      metadata: { name: 'web', annotations: { 'kt-selector': '{"app":"web","tier":"fe"}' } },
      spec: { selector: { app: 'web2' } },
    };
    expect(editedOriginal(edited, original, 'abcde').selector).toEqual({ app: 'web2' });
    const ours: ServiceState = { ...edited, spec: { selector: { 'kt-target': 'abcde' } } };
    expect(editedOriginal(ours, original, 'abcde').selector).toEqual({ app: 'web', tier: 'fe' });
  });

  it('helpers', () => {
    expect(exactMapPatch({ a: '1', b: '2' }, { a: '3' })).toEqual({ a: '3', b: null });
    expect(savedSelector({ metadata: { name: 'x', annotations: { 'kt-selector': 'not json' } }, spec: {} })).toBeUndefined();
    expect(selects({ app: 'web' }, { app: 'web', x: 'y' })).toBe(true);
    expect(selects({}, { app: 'web' })).toBe(false);
    expect(selects({ app: 'web' }, { app: 'api' })).toBe(false);
  });
});
