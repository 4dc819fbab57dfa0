import { describe, expect, it } from 'vitest';
import { describeCleanAction, planClean } from './cluster-plan.js';
import type { SeenObject as KtObject } from '../shared/restore.js';

const NOW = 1_800_000_000;
const ns = 'team';
function obj(resource: string, name: string, beatAgo: number | undefined, extra: Partial<KtObject> = {}): KtObject {
  return {
    ref: { apiVersion: resource === 'deployments' ? 'apps/v1' : 'v1', resource, namespace: ns, name },
    labels: { 'control-by': 'kt', 'kt-target': `t-${name}`, ...(extra.labels ?? {}) },
    annotations: { ...(beatAgo === undefined ? {} : { 'kt-last-heart-beat': String(NOW - beatAgo) }), ...(extra.annotations ?? {}) },
    createdAt: NOW - 3600,
    ...(extra.selector ? { selector: extra.selector } : {}),
  };
}

describe('planClean', () => {
  it('deletes objects whose heartbeat is older than the threshold, never live ones', () => {
    const actions = planClean([obj('pods', 'dead', 400), obj('configmaps', 'dead', 400), obj('pods', 'alive', 100)], [], NOW, 300);
    expect(actions.map(describeCleanAction)).toEqual([
      'delete pods/dead (no heartbeat for 7 min)',
      'delete configmaps/dead (no heartbeat for 7 min)',
    ]);
  });

  it('judges an object without a heartbeat by its creation time', () => {
    expect(planClean([obj('pods', 'old', undefined)], [], NOW, 300)).toHaveLength(1);
    expect(planClean([{ ...obj('pods', 'new', undefined), createdAt: NOW - 10 }], [], NOW, 300)).toHaveLength(0);
  });

  it('ignores objects ktctl did not make', () => {
    expect(planClean([{ ...obj('pods', 'x', 9999), labels: { app: 'x' } }], [], NOW, 300)).toEqual([]);
  });

  it('restores a Service redirected to a dead shadow before deleting the shadow, and scales a Deployment back', () => {
    const shadow = obj('pods', 'web-kt-exchange-abcde', 900, { annotations: { 'kt-config': 'app=web,replicas=3' } });
    const service: KtObject = {
      ref: { apiVersion: 'v1', resource: 'services', namespace: ns, name: 'web' },
      labels: {},
      annotations: { 'kt-selector': '{"app":"web"}' },
      createdAt: NOW - 9000,
      selector: { 'kt-target': 't-web-kt-exchange-abcde' },
    };
    const kinds = planClean([shadow], [service], NOW, 300).map((a) => a.kind);
    expect(kinds).toEqual(['restore-selector', 'scale', 'delete']);
  });

  it('leaves a Service redirected to a live shadow alone, and releases only a stale lock', () => {
    const shadow = obj('pods', 'live', 30);
    const redirected: KtObject = {
      ref: { apiVersion: 'v1', resource: 'services', namespace: ns, name: 'web' },
      labels: {},
      annotations: { 'kt-selector': '{"app":"web"}', 'kt-lock': String(NOW - 30) },
      createdAt: 0,
      selector: { 'kt-target': 't-live' },
    };
    const locked: KtObject = {
      ...redirected,
      ref: { ...redirected.ref, name: 'api' },
      annotations: { 'kt-lock': String(NOW - 600) },
      selector: { app: 'api' },
    };
    expect(planClean([shadow], [redirected, locked], NOW, 300).map(describeCleanAction)).toEqual([
      'release the lock on services/api (its kt-lock is stale)',
    ]);
  });

  it('scales back a Deployment that scale-mode exchange took down once its heartbeat is stale, and only then', () => {
    const deployment = (beatAgo: number): KtObject => ({
      ref: { apiVersion: 'apps/v1', resource: 'deployments', namespace: ns, name: 'web' },
      labels: { app: 'web' },
      annotations: { 'kt-config': 'replicas=2', 'kt-user': 'alice', 'kt-last-heart-beat': String(NOW - beatAgo) },
      createdAt: NOW - 9000,
    });
    expect(planClean([], [], NOW, 300, [deployment(60)])).toEqual([]);
    expect(planClean([], [], NOW, 300, [deployment(900)]).map(describeCleanAction)).toEqual([
      'scale deployments/web back to 2 (scaled to 0 by alice, no heartbeat for 15 min)',
    ]);
    // The shadow's kt-config names the same Deployment: one scale, not two.
    const shadow = obj('pods', 'web-kt-exchange-abcde', 900, { annotations: { 'kt-config': 'app=web,replicas=2' } });
    expect(planClean([shadow], [], NOW, 300, [deployment(900)]).filter((a) => a.kind === 'scale')).toHaveLength(1);
  });
});
