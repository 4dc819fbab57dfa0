import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createLogger } from '@ktctl/plugin-api';
import type { RouterRuleSet } from '@ktctl/agent-contract';
import { FakeCluster } from './fake-cluster.test-helper.js';
import { joinMesh, type JoinInput } from './join.js';
import { meshService, routerPod, stuntmanService, type MeshMeta } from './objects.js';
import { superviseRouter } from './router-supervisor.js';

const logger = createLogger('silent');
const ports = [{ number: 8080, servicePort: { port: 80, targetPort: 8080 } }];

function joinInput(cluster: FakeCluster, user: string): JoinInput {
  const meta: MeshMeta = { namespace: 'team', service: 'web', user, heartbeat: cluster.now };
  cluster.put('services', meshService(`web-kt-mesh-${user}`, meta, `t-${user}`, [8080]));
  return {
    service: 'web',
    route: { header: 'version', value: user, backend: `web-kt-mesh-${user}`, user },
    user,
    routerPod: (target, rules) => routerPod({ name: 'web-kt-router', image: 'img', target, ports, rules }, meta),
    stuntman: (selector) => stuntmanService('web-kt-stuntman', meta, selector, ports),
    newTarget: () => 'rtarget',
    podTimeoutSeconds: 1,
    logger,
    push: async () => undefined,
  };
}

const users = (cluster: FakeCluster) =>
  (JSON.parse(cluster.get('pods', 'web-kt-router')!.metadata.annotations['kt-router-rules']) as RouterRuleSet).routes.map((r) => r.user);

async function until(check: () => boolean, ms = 3_000): Promise<void> {
  for (const end = Date.now() + ms; !check() && Date.now() < end;) await sleep(20);
}

describe('router supervision', () => {
  it('recreates a deleted router with its kt-target and the live routes, and does not once the Service was put back', async () => {
    const cluster = new FakeCluster();
    cluster.put('services', { metadata: { name: 'web', annotations: {} }, spec: { selector: { app: 'web' } } });
    const client = cluster.client();
    await joinMesh(client, joinInput(cluster, 'alice'));
    const bob = joinInput(cluster, 'bob');
    await joinMesh(client, bob);
    await joinMesh(client, joinInput(cluster, 'carol'));
    cluster.objects.delete('services/web-kt-mesh-carol'); // carol is gone: her route does not come back
    const states: string[] = [];
    const supervisor = superviseRouter(client, {
      service: 'web',
      route: bob.route,
      user: 'bob',
      logger,
      intervalMs: 50,
      onStatus: (s) => states.push(s),
      push: async () => undefined,
    });
    try {
      await sleep(120); // the supervisor has seen the router
      cluster.objects.delete('pods/web-kt-router');
      await until(() => states.includes('router-back'));
      expect(cluster.get('pods', 'web-kt-router')!.metadata.labels['kt-target']).toBe('rtarget');
      expect(users(cluster)).toEqual(['alice', 'bob']);

      // recover put the Service back: the router is not brought back again.
      const svc = cluster.get('services', 'web')!;
      svc.spec.selector = { app: 'web' };
      cluster.objects.delete('pods/web-kt-router');
      await until(() => states.filter((s) => s === 'router-lost').length >= 2);
      await sleep(200);
      expect(cluster.get('pods', 'web-kt-router')).toBeUndefined();
    } finally {
      await supervisor.stop();
    }
  });

  it('adds its own route back to a router made afresh without it', async () => {
    const cluster = new FakeCluster();
    cluster.put('services', { metadata: { name: 'web', annotations: {} }, spec: { selector: { app: 'web' } } });
    const client = cluster.client();
    await joinMesh(client, joinInput(cluster, 'alice'));
    const bob = joinInput(cluster, 'bob');
    const router = cluster.get('pods', 'web-kt-router')!;
    const states: string[] = [];
    const supervisor = superviseRouter(client, {
      service: 'web',
      route: bob.route,
      user: 'bob',
      logger,
      intervalMs: 50,
      onStatus: (s) => states.push(s),
      push: async () => undefined,
    });
    try {
      expect(router.metadata.annotations['kt-router-rules']).not.toContain('bob');
      await until(() => states.includes('route-restored'));
      expect(users(cluster)).toEqual(['alice', 'bob']);
    } finally {
      await supervisor.stop();
    }
  });
});
