// A participant killed with SIGKILL: `ktctl clean`, once that run's heartbeat is stale, removes its route
// and objects and nothing of the other participant, who keeps being routed; after the last one is killed
// too, `ktctl recover` puts the Service back exactly and removes router, stuntman and the rest.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor, type Background } from '../../harness/index.js';
import { ktctl, ktctlEnv } from '../connect/ktctl.js';
import {
  appPorts,
  httpWho,
  ktMade,
  routerRules,
  serviceObject,
  startLaptopApp,
  startMesh,
  useMeshFile,
  waitAnswer,
  waitNoneMade,
} from './support.js';

const { cluster, laptop, ns: namespace } = useMeshFile(import.meta.filename);
const alicePorts = appPorts();
const bobPorts = appPorts();
let ns: string;
const apps: Background[] = [];
beforeAll(async () => {
  ns = namespace();
  apps.push(await startLaptopApp(laptop, 'alice', ...alicePorts), await startLaptopApp(laptop, 'bob', ...bobPorts));
});
afterAll(async () => {
  for (const app of apps) await app.stop();
});

async function killed(run: Background): Promise<void> {
  process.kill(run.pid, 'SIGKILL');
  await run.stop();
}

/** Makes objects look silent for 10 minutes: their heartbeat rewritten to an older cluster time (as the exchange crash tests do). */
async function makeStale(objects: readonly string[]): Promise<void> {
  for (const object of objects) {
    const beat = Number(await cluster.kubectlOk(['-n', ns, 'get', object, '-o', "jsonpath={.metadata.annotations['kt-last-heart-beat']}"]));
    expect(beat).toBeGreaterThan(1_700_000_000);
    await cluster.kubectlOk(['-n', ns, 'annotate', '--overwrite', object, `kt-last-heart-beat=${beat - 600}`]);
  }
}

describe('after kill -9 of ktctl mesh', () => {
  it('clean drops only the dead participant once stale; recover after the last one restores everything', async () => {
    const { args, env } = ktctlEnv(cluster);
    const original = await serviceObject(cluster, ns, 'app');
    const expose = ([http, grpc]: [number, number]) => ['--expose', `${http}:8080,${grpc}:9090`];
    const alice = await startMesh(laptop, [...args, '-n', ns, 'app', ...expose(alicePorts), '--versionMark', 'alice'], env, 'alice');
    const bob = await startMesh(laptop, [...args, '-n', ns, 'app', ...expose(bobPorts), '--versionMark', 'bob'], env, 'bob');
    try {
      await waitAnswer(() => httpWho(cluster, ns, 'version: bob'), /laptop-bob/);
      await killed(bob);
      // Fresh: clean leaves bob's run alone (it cannot tell a crash from a slow laptop yet).
      const fresh = await ktctl(laptop, ['clean', ...args, '-n', ns, '--dryRun'], env);
      expect(fresh.stdout).not.toMatch(/would (delete|drop).*(mesh-bob|route)/);
      const bobs = (await ktMade(cluster, ns)).filter((o) => o.includes('app-kt-mesh-bob'));
      expect(bobs).toEqual(['configmap/app-kt-mesh-bob', 'pod/app-kt-mesh-bob', 'service/app-kt-mesh-bob']);
      await makeStale(bobs);
      const dry = await ktctl(laptop, ['clean', ...args, '-n', ns, '--dryRun'], env);
      expect(dry.stdout).toMatch(/would drop the route of bob from pods\/app-kt-router/);
      expect(dry.stdout).not.toMatch(/would .*alice|restore the selector/);
      const clean = await ktctl(laptop, ['clean', ...args, '-n', ns], env);
      expect(clean.code, clean.stderr).toBe(0);
      expect((await routerRules(cluster, ns)).routes.map((r) => r.user)).toEqual(['alice']);
      expect((await cluster.getJson(['-n', ns, 'pod', 'app-kt-router'])).metadata.annotations['kt-ref-count']).toBe('1');
      // Deletions finish asynchronously (the shadow pod terminates).
      await waitFor(async () => !(await ktMade(cluster, ns)).some((o) => o.includes('mesh-bob')), {
        timeoutMs: 30_000,
        what: "bob's objects to go",
      });
      expect(await httpWho(cluster, ns, 'version: alice')).toMatch(/laptop-alice/);
      // The router reads the new rules from its annotation (no push from clean): bob's header goes to the pods.
      expect(await waitAnswer(() => httpWho(cluster, ns, 'version: bob'), /hello from app-/, 120_000)).toMatch(/hello from app-/);
    } finally {
      await killed(alice);
    }
    const recover = await ktctl(laptop, ['recover', ...args, '-n', ns, 'app'], env);
    expect(recover.code, recover.stderr).toBe(0);
    expect(recover.stderr).toMatch(/Recovered: restored the selector of service app to \{"app":"app"\} \(from kt-selector\)/);
    expect(recover.stderr).toMatch(/Recovered: deleted pod app-kt-router/);
    expect(await serviceObject(cluster, ns, 'app')).toEqual(original);
    await waitNoneMade(cluster, ns);
    expect(await waitAnswer(() => httpWho(cluster, ns, 'version: alice'), /hello from app-/)).toMatch(/hello from app-/);
  });
});
