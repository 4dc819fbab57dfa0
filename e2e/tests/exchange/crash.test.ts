// A `ktctl exchange` killed with SIGKILL leaves the Service redirected (or the Deployment at 0):
// `ktctl recover` puts it back at once, `ktctl clean` once the dead run's heartbeat is stale.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Background } from '../../harness/index.js';
import { ktctl, ktctlEnv } from '../connect/ktctl.js';
import { ktMade, startExchange, waitNoneMade } from './support.js';
import { serviceObject, waitForHttp, useExchangeFile } from './workloads.js';

const { cluster, laptop, httpPort, ns: namespace } = useExchangeFile(import.meta.filename);
let ns: string;
beforeAll(() => {
  ns = namespace();
});

async function killed(run: Background): Promise<void> {
  process.kill(run.pid, 'SIGKILL');
  await run.stop();
}

/** Makes the dead run look silent for 10 minutes: its heartbeats rewritten to an old cluster time. */
async function makeStale(objects: readonly string[]): Promise<void> {
  for (const object of objects) {
    const beat = Number(await cluster.kubectlOk(['-n', ns, 'get', object, '-o', "jsonpath={.metadata.annotations['kt-last-heart-beat']}"]));
    expect(beat).toBeGreaterThan(1_700_000_000);
    await cluster.kubectlOk(['-n', ns, 'annotate', '--overwrite', object, `kt-last-heart-beat=${beat - 600}`]);
  }
}

describe('after kill -9 of ktctl exchange', () => {
  it('recover restores the Service exactly and removes the shadow; a second recover finds nothing to do', async () => {
    const { args, env: kenv } = ktctlEnv(cluster);
    const original = await serviceObject(cluster, ns, 'echo');
    const run = await startExchange(laptop, [...args, '-n', ns, 'echo', '--expose', `${httpPort}:8080`], kenv);
    await killed(run);
    expect((await cluster.getJson(['-n', ns, 'service', 'echo'])).metadata.annotations['kt-selector']).toBe('{"app":"echo"}');
    const recover = await ktctl(laptop, ['recover', ...args, '-n', ns, 'echo'], kenv);
    expect(recover.code, recover.stderr).toBe(0);
    expect(recover.stderr).toMatch(/Recovered: restored the selector of service echo to \{"app":"echo"\} \(from kt-selector\)/);
    expect(recover.stderr).toMatch(/Recovered: deleted pod echo-kt-exchange-[a-z]{5}/);
    expect(await serviceObject(cluster, ns, 'echo')).toEqual(original);
    expect(await waitForHttp(cluster, ns, 'echo', 80, /hello from echo-/)).toMatch(/hello from echo-/);
    await waitNoneMade(cluster, ns);
    const again = await ktctl(laptop, ['recover', ...args, '-n', ns, 'echo'], kenv);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/was not redirected by ktctl; nothing to do/);
  });

  it('clean leaves a fresh dead run alone, and restores the Service once its heartbeat is stale', async () => {
    const { args, env: kenv } = ktctlEnv(cluster);
    const original = await serviceObject(cluster, ns, 'echo');
    const run = await startExchange(laptop, [...args, '-n', ns, 'echo', '--expose', `${httpPort}:8080`], kenv);
    await killed(run);
    const fresh = await ktctl(laptop, ['clean', ...args, '-n', ns, '--dryRun'], kenv);
    expect(fresh.stdout).not.toMatch(/services\/echo/);
    const made = await ktMade(cluster, ns);
    await makeStale([...made, 'service/echo']);
    const dry = await ktctl(laptop, ['clean', ...args, '-n', ns, '--dryRun'], kenv);
    expect(dry.stdout).toMatch(/would restore the selector of services\/echo/);
    expect(dry.stdout).toMatch(/would delete pods\/echo-kt-exchange-/);
    const clean = await ktctl(laptop, ['clean', ...args, '-n', ns], kenv);
    expect(clean.code, clean.stderr).toBe(0);
    expect(await serviceObject(cluster, ns, 'echo')).toEqual(original);
    expect(await waitForHttp(cluster, ns, 'echo', 80, /hello from echo-/)).toMatch(/hello from echo-/);
    await waitNoneMade(cluster, ns);
  });

  it('scale mode: recover scales the Deployment back; after another crash, clean does once the heartbeat is stale', async () => {
    const { args, env: kenv } = ktctlEnv(cluster);
    const replicas = async () => (await cluster.getJson(['-n', ns, 'deployment', 'web'])).spec.replicas as number;
    let run = await startExchange(laptop, [...args, '-n', ns, 'web', '--mode', 'scale', '--expose', `${httpPort}:8080`], kenv);
    await killed(run);
    expect(await replicas()).toBe(0);
    const recover = await ktctl(laptop, ['recover', ...args, '-n', ns, 'web'], kenv);
    expect(recover.code, recover.stderr).toBe(0);
    expect(recover.stderr).toMatch(/Recovered: scaled deployment web back to 2/);
    expect(await replicas()).toBe(2);
    await waitNoneMade(cluster, ns);
    await cluster.kubectlOk(['-n', ns, 'rollout', 'status', 'deployment/web', '--timeout=60s'], { timeoutMs: 70_000 });

    run = await startExchange(laptop, [...args, '-n', ns, 'web', '--mode', 'scale', '--expose', `${httpPort}:8080`], kenv);
    await killed(run);
    await makeStale([...(await ktMade(cluster, ns)), 'deployment/web']);
    const dry = await ktctl(laptop, ['clean', ...args, '-n', ns, '--dryRun'], kenv);
    expect(dry.stdout).toMatch(/would scale deployments\/web back to 2/);
    const clean = await ktctl(laptop, ['clean', ...args, '-n', ns], kenv);
    expect(clean.code, clean.stderr).toBe(0);
    const web = await cluster.getJson(['-n', ns, 'deployment', 'web']);
    expect(web.spec.replicas).toBe(2);
    expect(Object.keys(web.metadata.annotations ?? {}).filter((k) => k.startsWith('kt-'))).toEqual([]);
    await waitNoneMade(cluster, ns);
  });

  it('a run killed while it held the short kt-lock: clean releases the stale lock and its kt-user, recover a fresh one', async () => {
    const { args, env: kenv } = ktctlEnv(cluster);
    const original = await serviceObject(cluster, ns, 'echo');
    const now = Number(
      await cluster
        .kubectlOk(['-n', ns, 'get', 'service', 'echo', '-o', 'jsonpath={.metadata.creationTimestamp}'])
        .then((t) => Date.parse(t) / 1000),
    );
    await cluster.kubectlOk(['-n', ns, 'annotate', 'service', 'echo', `kt-lock=${Math.floor(now) - 3600}`, 'kt-user=gina']);
    const dry = await ktctl(laptop, ['clean', ...args, '-n', ns, '--dryRun'], kenv);
    expect(dry.stdout).toMatch(/would release the lock on services\/echo/);
    const clean = await ktctl(laptop, ['clean', ...args, '-n', ns], kenv);
    expect(clean.code, clean.stderr).toBe(0);
    expect(await serviceObject(cluster, ns, 'echo')).toEqual(original);
    // A fresh lock is a live start as far as clean can tell; recover is the user saying it is not.
    await cluster.kubectlOk(['-n', ns, 'annotate', 'service', 'echo', `kt-lock=${Math.floor(Date.now() / 1000)}`, 'kt-user=gina']);
    const recover = await ktctl(laptop, ['recover', ...args, '-n', ns, 'echo'], kenv);
    expect(recover.stderr).toMatch(/Recovered: removed kt-lock, kt-user from service echo/);
    expect(await serviceObject(cluster, ns, 'echo')).toEqual(original);
  });
});
