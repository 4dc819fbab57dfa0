import { describe, expect, it } from 'vitest';
import type { SeenObject } from '../shared/restore.js';
import { birdseyeTable } from './text.js';
import { buildBirdseye } from './view.js';

const NOW = 1_800_000_000;
const ns = 'team';

function obj(
  resource: string,
  name: string,
  labels: Record<string, string> = {},
  annotations: Record<string, string> = {},
  extra: Partial<SeenObject> = {},
): SeenObject {
  return {
    ref: { apiVersion: resource === 'deployments' ? 'apps/v1' : 'v1', resource, namespace: ns, name },
    labels,
    annotations,
    createdAt: NOW - 600,
    ...extra,
  };
}
const kt = (role: string, target: string, user: string, beatAgo = 30, more: Record<string, string> = {}) => ({
  labels: { 'control-by': 'kt', 'kt-role': role, 'kt-target': target, ...more },
  annotations: { 'kt-user': user, 'kt-last-heart-beat': String(NOW - beatAgo) },
});
function shadow(name: string, role: string, target: string, user: string, beatAgo = 30, more: Record<string, string> = {}, ann = {}) {
  const k = kt(role, target, user, beatAgo, more);
  return obj('pods', name, k.labels, { ...k.annotations, ...ann });
}

describe('birdseye view', () => {
  const services = [
    obj('services', 'plain', {}, {}, { selector: { app: 'plain' } }),
    // exchange, selector mode
    obj('services', 'web', {}, { 'kt-selector': '{"app":"web"}', 'kt-user': 'alice' }, { selector: { 'kt-target': 'aaaa' } }),
    // exchange, scale mode: the shadow carries the pods' labels
    obj('services', 'api', {}, {}, { selector: { app: 'api' } }),
    // mesh auto, two developers
    obj('services', 'shop', {}, { 'kt-selector': '{"app":"shop"}' }, { selector: { 'kt-target': 'rrrr' } }),
    obj('services', 'shop-kt-stuntman', { 'control-by': 'kt', 'kt-role': 'router' }, {}, { selector: { app: 'shop' } }),
    obj('services', 'shop-kt-mesh-abcde', { 'control-by': 'kt', 'kt-role': 'shadow-mesh' }, {}, { selector: { 'kt-target': 'm1' } }),
    // mesh manual
    obj('services', 'cart', {}, {}, { selector: { app: 'cart' } }),
    // preview
    obj('services', 'demo', kt('shadow-preview', 'x', 'carol').labels, kt('shadow-preview', 'x', 'carol').annotations, {
      selector: { 'kt-target': 'pppp' },
    }),
    // KtConnect's leftover: selector redirected, its shadow silent for an hour
    obj('services', 'old', {}, { 'kt-selector': '{"app":"old"}' }, { selector: { 'kt-target': 'kkkk' } }),
    // a redirect in progress
    obj('services', 'busy', {}, { 'kt-lock': String(NOW - 3), 'kt-user': 'erin' }, { selector: { app: 'busy' } }),
  ];
  const rules = {
    generation: 3,
    default: 'shop-kt-stuntman',
    routes: [
      { header: 'version', value: 'abcde', backend: 'shop-kt-mesh-abcde', user: 'alice' },
      { header: 'x-dev', value: 'bob', backend: 'shop-kt-mesh-bob', user: 'bob' },
    ],
  };
  const shadows = [
    shadow('web-kt-exchange-qwert', 'shadow-exchange', 'aaaa', 'alice', 30, {}, { 'kt-config': 'service=web' }),
    shadow('api-kt-exchange-zxcvb', 'shadow-exchange', 'bbbb', 'dave', 30, { app: 'api' }, { 'kt-config': 'app=api,replicas=2' }),
    shadow('shop-kt-router', 'router', 'rrrr', 'alice', 30, {}, { 'kt-router-rules': JSON.stringify(rules), 'kt-ref-count': '2' }),
    shadow('shop-kt-mesh-abcde', 'shadow-mesh', 'm1', 'alice', 30, {}, { 'kt-config': 'service=shop' }),
    shadow('shop-kt-mesh-bob', 'shadow-mesh', 'm2', 'bob', 900, {}, { 'kt-config': 'service=shop' }),
    shadow('cart-kt-mesh-v2', 'shadow-mesh', 'cccc', 'frank', 30, { app: 'cart', version: 'v2' }, { 'kt-config': 'service=cart' }),
    shadow('demo-kt-pqrst', 'shadow-preview', 'pppp', 'carol'),
    shadow('old-kt-exchange-ktcon', 'shadow-exchange', 'kkkk', 'ktconnect-user', 3600),
    // connect shadows: one as a Deployment with its pod, one shared
    obj(
      'deployments',
      'kt-connect-shadow-aaaaa',
      kt('shadow-connect', 'c1', 'gina').labels,
      kt('shadow-connect', 'c1', 'gina', 500).annotations,
    ),
    shadow('kt-connect-shadow-aaaaa-5d8f-x1', 'shadow-connect', 'c1', 'gina', 20),
    shadow('kt-connect-shadow-daemon', 'shadow-connect', 'c2', 'hank', 4000, {}, { 'kt-ref-count': '3' }),
  ];

  it('says per Service who holds it, how, and whether they are stale', () => {
    const view = buildBirdseye({ namespace: ns, now: NOW, services, shadows }, { showConnector: true });
    const by = Object.fromEntries(view.services.map((s) => [s.name, s]));
    expect(Object.keys(by)).toEqual(['api', 'busy', 'cart', 'demo', 'old', 'plain', 'shop', 'web']);
    expect(by.plain).toEqual({ name: 'plain', state: 'normal', holders: [], stale: false });
    expect(by.web!.state).toBe('exchanged');
    expect(by.web!.holders).toEqual([
      {
        kind: 'exchange',
        mode: 'selector',
        user: 'alice',
        shadow: 'web-kt-exchange-qwert',
        since: new Date((NOW - 600) * 1000).toISOString(),
        heartbeatAgeSeconds: 30,
        stale: false,
      },
    ]);
    expect(by.api!.holders).toMatchObject([{ kind: 'exchange', mode: 'scale', user: 'dave', shadow: 'api-kt-exchange-zxcvb' }]);
    expect(by.shop!.state).toBe('meshed');
    expect(by.shop!.holders).toMatchObject([
      { kind: 'mesh', mode: 'auto', user: 'alice', version: 'abcde', header: 'version: abcde', shadow: 'shop-kt-mesh-abcde', stale: false },
      { kind: 'mesh', mode: 'auto', user: 'bob', version: 'bob', header: 'x-dev: bob', shadow: 'shop-kt-mesh-bob', stale: true },
    ]);
    expect(by.shop!.stale).toBe(true);
    expect(by.cart!.holders).toMatchObject([{ kind: 'mesh', mode: 'manual', user: 'frank', version: 'v2', label: 'version=v2' }]);
    expect(by.demo!).toMatchObject({ state: 'previewed', holders: [{ kind: 'preview', user: 'carol', shadow: 'demo-kt-pqrst' }] });
    expect(by.old!).toMatchObject({ state: 'exchanged', stale: true, holders: [{ user: 'ktconnect-user', heartbeatAgeSeconds: 3600 }] });
    expect(by.busy!).toMatchObject({ state: 'locked', holders: [{ kind: 'lock', user: 'erin', heartbeatAgeSeconds: 3, stale: false }] });
    // ktctl's own Services (mesh Services, stuntman) are not listed as Services of their own
    expect(by['shop-kt-stuntman']).toBeUndefined();
    expect(view.connectors).toMatchObject([
      { kind: 'connect', user: 'gina', shadow: 'kt-connect-shadow-aaaaa', heartbeatAgeSeconds: 20, stale: false },
      { kind: 'connect', user: 'hank', shadow: 'kt-connect-shadow-daemon', refCount: 3, stale: true },
    ]);
    expect(view.hint).toContain('ktctl clean -n team');
    expect(view.staleAfterSeconds).toBe(300);
  });

  it('sorts by status and hides natural Services on request; no connectors unless asked', () => {
    const view = buildBirdseye({ namespace: ns, now: NOW, services, shadows }, { sortBy: 'status', hideNaturalService: true });
    expect(view.services.map((s) => `${s.state}:${s.name}`)).toEqual([
      'exchanged:api',
      'exchanged:old',
      'exchanged:web',
      'meshed:cart',
      'meshed:shop',
      'previewed:demo',
      'locked:busy',
    ]);
    expect(view.connectors).toBeUndefined();
  });

  it('reads a KtConnect router (no rules annotation): each mesh shadow is a version; a missing shadow is stale', () => {
    const view = buildBirdseye({
      namespace: ns,
      now: NOW,
      services: [
        obj('services', 'pay', {}, { 'kt-selector': '{"app":"pay"}' }, { selector: { 'kt-target': 'r' } }),
        obj(
          'services',
          'gone',
          {},
          { 'kt-selector': '{"app":"gone"}', 'kt-last-heart-beat': String(NOW - 1000) },
          { selector: { 'kt-target': 'z' } },
        ),
      ],
      shadows: [
        shadow('pay-kt-router', 'router', 'r', 'ivy'),
        shadow('pay-kt-mesh-aaaaa', 'shadow-mesh', 'm', 'ivy', 10, {}, { 'kt-config': 'service=pay' }),
      ],
    });
    expect(view.services[1]!.holders).toMatchObject([{ kind: 'mesh', mode: 'auto', version: 'aaaaa', user: 'ivy', stale: false }]);
    expect(view.services[0]!).toMatchObject({ name: 'gone', state: 'exchanged', stale: true, holders: [{ heartbeatAgeSeconds: 1000 }] });
    expect(view.services[0]!.holders[0]!.shadow).toBeUndefined();
  });

  it('prints a table with the stale hint', () => {
    const text = birdseyeTable(buildBirdseye({ namespace: ns, now: NOW, services, shadows }, { showConnector: true }));
    expect(text).toMatch(/^SERVICE\s+STATE\s+BY$/m);
    expect(text).toMatch(/^web\s+exchanged\s+exchanged by alice \(selector, since .*, via web-kt-exchange-qwert\)$/m);
    expect(text).toMatch(/meshed by bob \(auto, header "x-dev: bob", .*STALE: no heartbeat for 15m\)/);
    expect(text).toMatch(/^plain\s+normal\s+-$/m);
    expect(text).toMatch(/^CONNECTED USER\s+SHADOW\s+DETAILS$/m);
    expect(text).toContain('ktctl clean -n team');
  });
});
