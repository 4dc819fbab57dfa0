import { describe, expect, it } from 'vitest';
import { describeRecoverAction, planRecover } from './recover-plan.js';
import type { SeenObject } from '../shared/restore.js';
import type { ServiceState } from '../shared/service-selector.js';

const NOW = 1_800_000_000;
const ns = 'team';
const obj = (
  resource: string,
  name: string,
  labels: Record<string, string> = {},
  annotations: Record<string, string> = {},
  extra: Partial<SeenObject> = {},
): SeenObject => ({
  ref: { apiVersion: resource === 'deployments' ? 'apps/v1' : 'v1', resource, namespace: ns, name },
  labels,
  annotations,
  ...extra,
});
const kt = { 'control-by': 'kt' };
const lines = (plan: ReturnType<typeof planRecover>) => plan.actions.map(describeRecoverAction);

describe('planRecover', () => {
  it('restores a selector-mode exchange: selector from kt-selector, shadow pod then its ConfigMap', () => {
    const svc: ServiceState = {
      metadata: { name: 'web', namespace: ns, annotations: { 'kt-selector': '{"app":"web"}', 'kt-user': 'alice' } },
      spec: { selector: { 'kt-target': 't1' } },
    };
    const objects = [
      obj('configmaps', 'web-kt-exchange-abcde', { ...kt, 'kt-target': 't1' }),
      obj('pods', 'web-kt-exchange-abcde', { ...kt, 'kt-target': 't1' }, { 'kt-last-heart-beat': String(NOW - 900) }),
      obj('pods', 'kt-connect-shadow-xyzab', { ...kt, 'kt-target': 'other' }),
    ];
    const plan = planRecover(svc, objects, [], NOW);
    expect(lines(plan)).toEqual([
      'restored the selector of service web to {"app":"web"} (from kt-selector)',
      'deleted pod web-kt-exchange-abcde',
      'deleted configmap web-kt-exchange-abcde',
    ]);
    expect(plan.notes).toEqual([]);
  });

  it('restores a meshed Service from its stuntman when kt-selector is lost, and removes router, stuntman and mesh objects', () => {
    const svc: ServiceState = { metadata: { name: 'web', namespace: ns }, spec: { selector: { 'kt-target': 'r' } } };
    const objects = [
      obj('pods', 'web-kt-router', { ...kt, 'kt-target': 'r', 'kt-role': 'router' }),
      obj('services', 'web-kt-stuntman', kt, {}, { selector: { app: 'web' } }),
      obj('services', 'web-kt-mesh-v1', kt),
      obj('pods', 'web-kt-mesh-v1', kt),
    ];
    expect(lines(planRecover(svc, objects, [], NOW))).toEqual([
      'restored the selector of service web to {"app":"web"} (from service web-kt-stuntman)',
      'deleted pod web-kt-router',
      'deleted pod web-kt-mesh-v1',
      'deleted service web-kt-stuntman',
      'deleted service web-kt-mesh-v1',
    ]);
  });

  it('scales back Deployments from their own record or the shadow’s kt-config, once each', () => {
    const svc: ServiceState = { metadata: { name: 'web', namespace: ns }, spec: { selector: { app: 'web' } } };
    const deployments = [
      obj('deployments', 'web', { app: 'web' }, { 'kt-config': 'replicas=3' }, { templateLabels: { app: 'web' }, replicas: 0 }),
      obj('deployments', 'web-canary', { app: 'web' }, {}, { templateLabels: { app: 'web', track: 'canary' }, replicas: 0 }),
      obj('deployments', 'api', { app: 'api' }, { 'kt-config': 'replicas=2' }, { templateLabels: { app: 'api' }, replicas: 0 }),
    ];
    const shadows = [
      obj('pods', 'web-kt-exchange-abcde', { ...kt, app: 'web' }, { 'kt-config': 'app=web,replicas=3' }),
      obj('pods', 'web-kt-exchange-fghij', { ...kt, app: 'web' }, { 'kt-config': 'app=web-canary,replicas=1' }),
    ];
    expect(lines(planRecover(svc, shadows, deployments, NOW))).toEqual([
      'scaled deployment web back to 3 (from its kt-config annotation)',
      'scaled deployment web-canary back to 1 (from the kt-config of pods/web-kt-exchange-fghij)',
      'deleted pod web-kt-exchange-abcde',
      'deleted pod web-kt-exchange-fghij',
    ]);
  });

  it('clears a leftover lock, warns about a live owner and an unknowable selector, and is empty when there is nothing', () => {
    const locked: ServiceState = {
      metadata: { name: 'web', namespace: ns, annotations: { 'kt-lock': '1', 'kt-user': 'x' } },
      spec: { selector: { app: 'web' } },
    };
    expect(lines(planRecover(locked, [], [], NOW))).toEqual(['removed kt-lock, kt-user from service web']);
    const lost: ServiceState = { metadata: { name: 'web', namespace: ns }, spec: { selector: { 'kt-target': 't' } } };
    const live = obj(
      'pods',
      'web-kt-exchange-abcde',
      { ...kt, 'kt-target': 't' },
      { 'kt-user': 'alice', 'kt-last-heart-beat': String(NOW - 30) },
    );
    const plan = planRecover(lost, [live], [], NOW);
    expect(plan.notes.join('\n')).toMatch(/original is recorded nowhere[\s\S]*alice still had a heartbeat 30 s ago/);
    expect(planRecover({ metadata: { name: 'web', namespace: ns }, spec: { selector: { app: 'web' } } }, [], [], NOW).actions).toEqual([]);
  });
});
