// `ktctl exchange --mode scale`: the shadow takes the pods' labels, the Deployment goes to 0 (its count
// recorded on it), and on exit the count comes back and ktctl waits for the replicas.
import { beforeAll, describe, expect, it } from 'vitest';
import { ktctlEnv } from '../connect/ktctl.js';
import { endExchange, ktMade, startExchange } from './support.js';
import { serviceObject, waitForHttp, useExchangeFile } from './workloads.js';

const { cluster, laptop, httpPort, ns: namespace } = useExchangeFile(import.meta.filename);
let ns: string;
beforeAll(() => {
  ns = namespace();
});

const deployment = async (name: string) => cluster.getJson(['-n', ns, 'deployment', name]);

describe('exchange --mode scale', () => {
  it('scales the Deployment to 0 while the laptop serves, then restores the count and waits for the replicas', async () => {
    const { args, env: kenv } = ktctlEnv(cluster);
    const service = await serviceObject(cluster, ns, 'web');
    const run = await startExchange(
      laptop,
      [...args, '-n', ns, 'web', '--mode', 'scale', '--expose', `${httpPort}:8080`, '--recoverWaitTime', '60'],
      kenv,
      'carol',
    );
    try {
      const during = await deployment('web');
      expect(during.spec.replicas).toBe(0);
      expect(during.metadata.annotations['kt-config']).toBe('replicas=2');
      expect(during.metadata.annotations['kt-user']).toBe('carol');
      expect(run.output()).toMatch(/web scaled from 2 to 0/);
      // Once the web pods are gone, only the shadow carries app=web.
      expect(await waitForHttp(cluster, ns, 'web', 80, /laptop:\/$/, 45_000)).toMatch(/laptop:/);
      // The Service itself is untouched in scale mode.
      expect(await serviceObject(cluster, ns, 'web')).toEqual(service);
    } finally {
      await endExchange(run);
    }
    expect(run.output()).toMatch(/waiting for replicas: web [01]\/2 ready/);
    const after = await deployment('web');
    expect(after.spec.replicas).toBe(2);
    expect(after.status.readyReplicas).toBe(2);
    expect(Object.keys(after.metadata.annotations ?? {}).filter((k) => k.startsWith('kt-'))).toEqual([]);
    expect(await waitForHttp(cluster, ns, 'web', 80, /hello from web-/)).toMatch(/hello from web-/);
    expect(await ktMade(cluster, ns)).toEqual([]);
  });

  it('a second Ctrl-C during the wait for replicas ends it at once, with the count already restored', async () => {
    const { args, env: kenv } = ktctlEnv(cluster);
    // Pods that never get ready (and no old ones kept around by a rolling update) make the wait last its
    // whole 120 s unless it is skipped.
    const never = {
      spec: {
        strategy: { type: 'Recreate', rollingUpdate: null },
        template: { spec: { containers: [{ name: 'web', readinessProbe: { httpGet: null, exec: { command: ['false'] } } }] } },
      },
    };
    const normal = {
      spec: {
        strategy: { type: 'RollingUpdate' },
        template: { spec: { containers: [{ name: 'web', readinessProbe: { exec: null, httpGet: { path: '/healthz', port: 'http' } } }] } },
      },
    };
    await cluster.kubectlOk(['-n', ns, 'patch', 'deployment', 'web', '--type=strategic', '-p', JSON.stringify(never)]);
    try {
      const run = await startExchange(
        laptop,
        [...args, '-n', ns, 'web', '--mode', 'scale', '--expose', `${httpPort}:8080`, '--recoverWaitTime', '120'],
        kenv,
      );
      process.kill(run.pid, 'SIGINT');
      await run.waitForOutput(/waiting for replicas: web 0\/2 ready/, 60_000);
      // Signals within 3 s of the first are taken as relayed copies of it: a user's second Ctrl-C comes later.
      await new Promise((r) => setTimeout(r, 3_500));
      expect(run.output()).not.toMatch(/is back to its own pods/);
      const stoppedAt = Date.now();
      process.kill(run.pid, 'SIGINT');
      await run.stop(15_000);
      expect(Date.now() - stoppedAt).toBeLessThan(10_000);
      // The insisting Ctrl-C skipped only the wait: the cleanup itself finished, so no "run ktctl clean".
      expect(run.output()).toMatch(/is back to its own pods/);
      expect(run.output()).not.toMatch(/stopped before cleanup finished/);
      expect((await deployment('web')).spec.replicas).toBe(2);
      expect(await ktMade(cluster, ns)).toEqual([]);
    } finally {
      await cluster.kubectlOk(['-n', ns, 'patch', 'deployment', 'web', '--type=strategic', '-p', JSON.stringify(normal)]);
      await cluster.kubectlOk(['-n', ns, 'rollout', 'status', 'deployment/web', '--timeout=60s'], { timeoutMs: 70_000 });
    }
  });
});
