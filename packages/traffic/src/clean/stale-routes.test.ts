import { describe, expect, it } from 'vitest';
import type { SeenObject } from '../shared/restore.js';
import { describeCleanAction, planClean } from './cluster-plan.js';

const NOW = 1_800_000_000;
const kt = { 'control-by': 'kt' };
const rules = (users: string[]) =>
  JSON.stringify({
    generation: 5,
    default: 'web-kt-stuntman',
    routes: users.map((u) => ({ header: 'version', value: u, backend: `web-kt-mesh-${u}`, user: u })),
  });
function obj(
  resource: string,
  name: string,
  beatAgo: number,
  labels: Record<string, string> = {},
  annotations: Record<string, string> = {},
): SeenObject {
  return {
    ref: { apiVersion: 'v1', resource, namespace: 'team', name },
    labels: { ...kt, ...labels },
    annotations: { 'kt-last-heart-beat': String(NOW - beatAgo), ...annotations },
    createdAt: NOW - 3600,
  };
}
const service: SeenObject = {
  ref: { apiVersion: 'v1', resource: 'services', namespace: 'team', name: 'web' },
  labels: {},
  annotations: { 'kt-selector': '{"app":"web"}' },
  createdAt: 0,
  selector: { 'kt-target': 'r' },
};

describe('clean and mesh', () => {
  it('drops only a dead participant’s route from a router others keep alive, then deletes that one’s objects', () => {
    const router = obj(
      'pods',
      'web-kt-router',
      30,
      { 'kt-role': 'router', 'kt-target': 'r' },
      { 'kt-router-rules': rules(['alice', 'bob']) },
    );
    const objects = [
      router,
      obj('services', 'web-kt-stuntman', 30),
      obj('services', 'web-kt-mesh-alice', 30),
      obj('pods', 'web-kt-mesh-alice', 30),
      obj('services', 'web-kt-mesh-bob', 900),
      obj('pods', 'web-kt-mesh-bob', 900),
    ];
    expect(planClean(objects, [service], NOW, 300).map(describeCleanAction)).toEqual([
      'drop the route of bob from pods/web-kt-router (their mesh Service is stale or gone)',
      'delete services/web-kt-mesh-bob (no heartbeat for 15 min)',
      'delete pods/web-kt-mesh-bob (no heartbeat for 15 min)',
    ]);
  });

  it('also drops a route whose mesh Service is gone already, and leaves a router without dead routes alone', () => {
    const router = obj(
      'pods',
      'web-kt-router',
      30,
      { 'kt-role': 'router', 'kt-target': 'r' },
      { 'kt-router-rules': rules(['alice', 'carol']) },
    );
    expect(planClean([router, obj('services', 'web-kt-mesh-alice', 30)], [service], NOW, 300).map((a) => a.kind)).toEqual(['drop-routes']);
    expect(
      planClean([router, obj('services', 'web-kt-mesh-alice', 30), obj('services', 'web-kt-mesh-carol', 30)], [service], NOW, 300),
    ).toEqual([]);
  });

  it('when every participant is gone: the Service back from kt-selector, then router, stuntman and the rest deleted (KtConnect routers too)', () => {
    const ours = obj('pods', 'web-kt-router', 900, { 'kt-role': 'router', 'kt-target': 'r' }, { 'kt-router-rules': rules(['alice']) });
    const actions = planClean(
      [ours, obj('services', 'web-kt-stuntman', 900), obj('services', 'web-kt-mesh-alice', 900)],
      [service],
      NOW,
      300,
    ).map(describeCleanAction);
    expect(actions[0]).toMatch(/^restore the selector of services\/web/);
    expect(actions.slice(1)).toEqual([
      'delete pods/web-kt-router (no heartbeat for 15 min)',
      'delete services/web-kt-stuntman (no heartbeat for 15 min)',
      'delete services/web-kt-mesh-alice (no heartbeat for 15 min)',
    ]);
    // KtConnect's router keeps no kt-router-rules: nothing to drop, judged by its heartbeat alone.
    const theirs = obj('pods', 'web-kt-router', 900, { 'kt-role': 'router', 'kt-target': 'r' });
    expect(planClean([theirs], [service], NOW, 300).map((a) => a.kind)).toEqual(['restore-selector', 'delete']);
  });
});
