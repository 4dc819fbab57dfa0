import { describe, expect, it } from 'vitest';
import { createLogger, type Logger } from '@ktctl/plugin-api';
import type { RouterRoute, RouterRuleSet } from '@ktctl/agent-contract';
import { FakeCluster } from './fake-cluster.test-helper.js';
import { joinMesh, leaveMesh, type JoinInput } from './join.js';
import { meshService, routerPod, stuntmanService, type MeshMeta } from './objects.js';

const logger: Logger = createLogger('silent');
const ORIGINAL = {
  metadata: { name: 'web', annotations: { owner: 'team' } },
  spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }] },
};
const ports = [{ number: 8080, name: 'http', servicePort: ORIGINAL.spec.ports[0]! }];

function setup(): { cluster: FakeCluster; pushed: RouterRuleSet[] } {
  const cluster = new FakeCluster();
  cluster.put('services', structuredClone(ORIGINAL));
  return { cluster, pushed: [] };
}

function input(cluster: FakeCluster, pushed: RouterRuleSet[], user: string, header: string, value: string): JoinInput {
  const meta: MeshMeta = { namespace: 'team', service: 'web', user, heartbeat: cluster.now };
  const backend = `web-kt-mesh-${value}`;
  cluster.put('services', meshService(backend, meta, `t-${user}`, [8080]));
  const route: RouterRoute = { header, value, backend, user };
  return {
    service: 'web',
    route,
    user,
    routerPod: (target, rules) => routerPod({ name: 'web-kt-router', image: 'img', target, ports, rules }, meta),
    stuntman: (selector) => stuntmanService('web-kt-stuntman', meta, selector, ports),
    newTarget: () => 'rtarget',
    podTimeoutSeconds: 1,
    logger,
    lock: { waitMs: 2_000 },
    push: async (_client, _ref, rules) => void pushed.push(rules),
  };
}

const rulesOf = (cluster: FakeCluster) =>
  JSON.parse(cluster.get('pods', 'web-kt-router')!.metadata.annotations['kt-router-rules']) as RouterRuleSet;

describe('join and leave', () => {
  it('the first joiner makes stuntman and router and redirects; a second joins by push; the last one out restores exactly', async () => {
    const { cluster, pushed } = setup();
    const client = cluster.client();
    await joinMesh(client, input(cluster, pushed, 'alice', 'version', 'a'));
    const svc = cluster.get('services', 'web')!;
    expect(svc.spec.selector).toEqual({ 'kt-target': 'rtarget' });
    expect(svc.metadata.annotations).toMatchObject({ owner: 'team', 'kt-selector': '{"app":"web"}', 'kt-user': 'alice' });
    expect(svc.metadata.annotations['kt-lock']).toBeUndefined();
    expect(cluster.get('services', 'web-kt-stuntman')!.spec.selector).toEqual({ app: 'web' });
    expect(rulesOf(cluster)).toMatchObject({ generation: 1, default: 'web-kt-stuntman', routes: [{ user: 'alice' }] });

    await joinMesh(client, input(cluster, pushed, 'bob', 'version', 'b'));
    expect(rulesOf(cluster).routes.map((r) => r.user)).toEqual(['alice', 'bob']);
    expect(cluster.get('pods', 'web-kt-router')!.metadata.annotations['kt-ref-count']).toBe('2');
    expect(pushed.map((r) => r.generation)).toEqual([2]);
    // bob's lock is gone and the Service still names its first user.
    expect(cluster.get('services', 'web')!.metadata.annotations).toMatchObject({ 'kt-user': 'alice' });
    expect(cluster.get('services', 'web')!.metadata.annotations['kt-lock']).toBeUndefined();

    expect(
      await leaveMesh(client, 'web', 'web-kt-mesh-a', 'alice', logger, { push: async (_c, _r, rules) => void pushed.push(rules) }),
    ).toEqual([]);
    expect(rulesOf(cluster)).toMatchObject({ generation: 3, routes: [{ user: 'bob' }] });
    expect(await leaveMesh(client, 'web', 'web-kt-mesh-b', 'bob', logger)).toEqual([]);
    const restored = cluster.get('services', 'web')!;
    expect({ metadata: { name: restored.metadata.name, annotations: restored.metadata.annotations }, spec: restored.spec }).toEqual(
      ORIGINAL,
    );
    expect(cluster.get('pods', 'web-kt-router')).toBeUndefined();
    expect(cluster.get('services', 'web-kt-stuntman')).toBeUndefined();
  });

  it('refuses the same header and value, naming its user and changing nothing; another key with the same value is fine', async () => {
    const { cluster, pushed } = setup();
    const client = cluster.client();
    await joinMesh(client, input(cluster, pushed, 'alice', 'version', 'a'));
    // What matters, without the versions a lock taken and given back moves on.
    const shared = () =>
      [...cluster.objects.entries()]
        .filter(([k]) => !k.includes('kt-mesh-'))
        .map(([k, o]) => [k, { ...o, metadata: { ...o.metadata, resourceVersion: undefined } }]);
    const before = structuredClone(shared());
    await expect(joinMesh(client, input(cluster, pushed, 'bob', 'Version', 'a'))).rejects.toMatchObject({
      code: 'KT_ALREADY_REDIRECTED',
      message: expect.stringContaining('already routed to alice'),
    });
    expect(shared()).toEqual(before);
    const other = input(cluster, pushed, 'carol', 'x-dev', 'a');
    await joinMesh(client, { ...other, route: { ...other.route, backend: 'web-kt-mesh-a-xyzw' } });
    expect(rulesOf(cluster).routes.map((r) => `${r.header}:${r.value}:${r.user}`)).toEqual(['version:a:alice', 'x-dev:a:carol']);
  });

  it('a join racing a leave loses nobody: the rules write that lost the race is re-read and re-applied', async () => {
    const { cluster, pushed } = setup();
    const client = cluster.client();
    await joinMesh(client, input(cluster, pushed, 'alice', 'version', 'a'));
    await joinMesh(client, input(cluster, pushed, 'bob', 'version', 'b'));
    const carol = input(cluster, pushed, 'carol', 'version', 'c');
    // Between carol's read of the router and her write, clean drops bob's route (no kt-lock: only the version protects it).
    let raced = false;
    cluster.beforePatch = (ref, patch) => {
      if (raced || ref.resource !== 'pods' || !patch.metadata?.annotations?.['kt-router-rules']?.includes('carol')) return;
      raced = true;
      const router = cluster.get('pods', 'web-kt-router')!;
      const rules = rulesOf(cluster);
      router.metadata.annotations['kt-router-rules'] = JSON.stringify({
        ...rules,
        generation: rules.generation + 1,
        routes: rules.routes.filter((r) => r.user !== 'bob'),
      });
      router.metadata.resourceVersion = '999999';
    };
    await joinMesh(client, carol);
    expect(raced).toBe(true);
    expect(rulesOf(cluster).routes.map((r) => r.user)).toEqual(['alice', 'carol']);
    expect(rulesOf(cluster).generation).toBe(4);
  });

  it('waits out another participant’s fresh kt-lock, and takes over a stale one', async () => {
    const { cluster, pushed } = setup();
    const client = cluster.client();
    cluster.get('services', 'web')!.metadata.annotations['kt-lock'] = String(cluster.now - 10);
    cluster.get('services', 'web')!.metadata.annotations['kt-user'] = 'dave';
    await expect(joinMesh(client, { ...input(cluster, pushed, 'alice', 'version', 'a'), lock: { waitMs: 300 } })).rejects.toThrow(
      /stayed locked by dave/,
    );
    cluster.get('services', 'web')!.metadata.annotations['kt-lock'] = String(cluster.now - 600);
    await joinMesh(client, input(cluster, pushed, 'alice', 'version', 'a'));
    expect(cluster.get('services', 'web')!.metadata.annotations['kt-lock']).toBeUndefined();
  });

  it('refuses a Service someone exchanged', async () => {
    const { cluster, pushed } = setup();
    const svc = cluster.get('services', 'web')!;
    svc.spec.selector = { 'kt-target': 'ex' };
    svc.metadata.annotations['kt-selector'] = '{"app":"web"}';
    cluster.put('pods', {
      metadata: {
        name: 'web-kt-exchange-abcde',
        labels: { 'control-by': 'kt', 'kt-role': 'shadow-exchange', 'kt-target': 'ex' },
        annotations: { 'kt-user': 'erin' },
      },
    });
    await expect(joinMesh(cluster.client(), input(cluster, pushed, 'alice', 'version', 'a'))).rejects.toThrow(/already exchanged by erin/);
  });
});

describe('targets while meshed', () => {
  it('a Deployment or pod resolves to the meshed Service, not to ktctl’s stuntman that copies its selector', async () => {
    const { resolveServiceName } = await import('../shared/command-target.js');
    const { cluster, pushed } = setup();
    cluster.put('deployments', { metadata: { name: 'web' }, spec: { template: { metadata: { labels: { app: 'web' } } } } });
    await joinMesh(cluster.client(), input(cluster, pushed, 'alice', 'version', 'a'));
    expect(await resolveServiceName(cluster.client(), { kind: 'deployment', name: 'web' })).toBe('web');
  });
});
