import { describe, expect, it } from 'vitest';
import { findHolder, type KtPod } from './holder.js';
import type { ServiceState } from './service-selector.js';

const NOW = 1_800_000_000;
const svc = (selector: Record<string, string>, annotations: Record<string, string> = {}): ServiceState => ({
  metadata: { name: 'web', annotations },
  spec: { selector },
});
const pod = (name: string, labels: Record<string, string>, user = 'alice'): KtPod => ({
  metadata: { name, labels: { 'control-by': 'kt', ...labels }, annotations: { 'kt-user': user } },
});

describe('findHolder', () => {
  it('is free for a plain Service, even with other developers’ shadows around', () => {
    expect(
      findHolder(svc({ app: 'web' }), [pod('kt-connect-shadow-abcde', { 'kt-role': 'shadow-connect', 'kt-target': 'x' })], NOW),
    ).toBeUndefined();
  });

  it('names the user of the shadow a selector-mode exchange points at', () => {
    const held = findHolder(
      svc({ 'kt-target': 't1' }, { 'kt-selector': '{"app":"web"}' }),
      [pod('web-kt-exchange-abcde', { 'kt-role': 'shadow-exchange', 'kt-target': 't1' })],
      NOW,
    );
    expect(held).toEqual({ what: 'exchanged', user: 'alice', by: 'shadow web-kt-exchange-abcde' });
  });

  it('recognises a mesh router, by selector or by name, and a manual-mesh or scale-mode shadow by labels', () => {
    expect(
      findHolder(
        svc({ 'kt-target': 'r' }, { 'kt-selector': '{}' }),
        [pod('web-kt-router', { 'kt-role': 'router', 'kt-target': 'r' }, 'bob')],
        NOW,
      ),
    ).toMatchObject({ what: 'meshed', user: 'bob' });
    expect(findHolder(svc({ app: 'web' }), [pod('web-kt-router', { 'kt-role': 'router' }, 'bob')], NOW)).toMatchObject({
      what: 'meshed',
      by: 'router web-kt-router',
    });
    expect(
      findHolder(svc({ app: 'web' }), [pod('web-kt-mesh-v1', { 'kt-role': 'shadow-mesh', app: 'web', version: 'v1' }, 'dan')], NOW),
    ).toMatchObject({ what: 'meshed', user: 'dan' });
    expect(
      findHolder(svc({ app: 'web' }), [pod('web-kt-exchange-xyz', { 'kt-role': 'shadow-exchange', app: 'web' }, 'carol')], NOW),
    ).toMatchObject({ what: 'exchanged', user: 'carol' });
  });

  it('honours a fresh kt-lock, ignores a stale one, and still refuses a redirect whose shadow is gone', () => {
    expect(findHolder(svc({ app: 'web' }, { 'kt-lock': String(NOW - 10), 'kt-user': 'erin' }), [], NOW)).toMatchObject({
      what: 'being redirected',
      user: 'erin',
    });
    expect(findHolder(svc({ app: 'web' }, { 'kt-lock': String(NOW - 900) }), [], NOW)).toBeUndefined();
    expect(findHolder(svc({ 'kt-target': 'gone' }, { 'kt-selector': '{"app":"web"}', 'kt-user': 'fay' }), [], NOW)).toEqual({
      what: 'exchanged',
      user: 'fay',
      by: 'a run whose shadow is gone',
    });
  });
});
