// Several developers on one Service: each joins the same router with their own header value and gets their
// own traffic; a value someone else routes is refused with their name and nothing changes; the same value
// under another header key coexists (its objects get a key-derived suffix); a deleted router pod comes back
// by itself with every route; after the first leaves the second keeps theirs; after the second the Service
// is byte for byte as before.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor, type Background } from '../../harness/index.js';
import { ktctl, ktctlEnv } from '../connect/ktctl.js';
import {
  appPorts,
  endMesh,
  grpcWho,
  httpWho,
  ktMade,
  routerRules,
  serviceObject,
  startLaptopApp,
  startMesh,
  useMeshFile,
  waitAnswer,
  waitNoneMade,
  wsWho,
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

const expose = ([http, grpc]: [number, number]) => ['--expose', `${http}:8080,${grpc}:9090`];

describe('mesh --mode auto, several developers', () => {
  it('shares one router, refuses a taken value by name, survives the router pod being deleted, and the last one out restores the Service', async () => {
    const { args, env } = ktctlEnv(cluster);
    const original = await serviceObject(cluster, ns, 'app');
    const alice = await startMesh(laptop, [...args, '-n', ns, 'app', ...expose(alicePorts), '--versionMark', 'alice'], env, 'alice');
    let bob: Background | undefined;
    try {
      bob = await startMesh(laptop, [...args, '-n', ns, 'deployment/app', ...expose(bobPorts), '--versionMark', 'version:bob'], env, 'bob');
      expect(await waitAnswer(() => httpWho(cluster, ns, 'version: alice'), /laptop-alice/)).toMatch(/laptop-alice/);
      expect(await waitAnswer(() => httpWho(cluster, ns, 'version: bob'), /laptop-bob/)).toMatch(/laptop-bob/);
      expect(await httpWho(cluster, ns)).toMatch(/hello from app-/);
      expect(await wsWho(cluster, ns, 'version: bob')).toMatch(/laptop-bob/);
      expect((await grpcWho(cluster, ns, 'version: bob')).match(/pod=laptop-bob/g)).toHaveLength(4);
      expect((await cluster.getJson(['-n', ns, 'pod', 'app-kt-router'])).metadata.annotations['kt-ref-count']).toBe('2');

      // carol wants alice's value: refused, naming alice, and nothing changed.
      const before = {
        svc: await serviceObject(cluster, ns, 'app'),
        made: await ktMade(cluster, ns),
        rules: await routerRules(cluster, ns),
      };
      const carol = await ktctl(laptop, ['mesh', ...args, '-n', ns, 'app', ...expose(alicePorts), '--versionMark', 'Version:alice'], {
        ...env,
        USER: 'carol',
      });
      expect(carol.code).toBe(1);
      expect(carol.stderr).toMatch(/already routed to alice.*\[KT_ALREADY_REDIRECTED\]/);
      expect({
        svc: await serviceObject(cluster, ns, 'app'),
        made: await ktMade(cluster, ns),
        rules: await routerRules(cluster, ns),
      }).toEqual(before);

      // dave uses alice's value under another key: allowed, with objects of their own.
      const dave = await startMesh(
        laptop,
        [...args, '-n', ns, 'app', ...expose(alicePorts), '--versionMark', 'x-dev:alice', '--skipPortChecking'],
        env,
        'dave',
      );
      const daveRoute = (await routerRules(cluster, ns)).routes.find((r) => r.user === 'dave')!;
      expect(daveRoute).toMatchObject({ header: 'x-dev', value: 'alice', backend: expect.stringMatching(/^app-kt-mesh-alice-[a-z]{4}$/) });
      expect(await waitAnswer(() => httpWho(cluster, ns, 'x-dev: alice'), /laptop-alice/)).toMatch(/laptop-alice/);
      await endMesh(dave);
      expect((await routerRules(cluster, ns)).routes.map((r) => r.user)).toEqual(['alice', 'bob']);

      // The router pod is deleted: a participant brings it back with its rules; routing resumes by itself.
      const uid = (await cluster.getJson(['-n', ns, 'pod', 'app-kt-router'])).metadata.uid;
      await cluster.kubectlOk(['-n', ns, 'delete', 'pod', 'app-kt-router', '--wait=false']);
      await waitFor(async () => (await cluster.getJson(['-n', ns, 'pod', 'app-kt-router']).catch(() => undefined))?.metadata.uid !== uid, {
        timeoutMs: 60_000,
        what: 'a new router pod',
      });
      expect(await waitAnswer(() => httpWho(cluster, ns, 'version: alice'), /laptop-alice/, 90_000)).toMatch(/laptop-alice/);
      expect(await waitAnswer(() => httpWho(cluster, ns, 'version: bob'), /laptop-bob/)).toMatch(/laptop-bob/);
      expect(await httpWho(cluster, ns)).toMatch(/hello from app-/);
      expect(alice.output() + bob.output()).toMatch(/Router: router pod app-kt-router is back/);

      // alice leaves; bob keeps his route.
      await endMesh(alice);
      expect(alice.output()).toMatch(/Left the mesh of app/);
      expect((await routerRules(cluster, ns)).routes.map((r) => r.user)).toEqual(['bob']);
      expect(await waitAnswer(() => httpWho(cluster, ns, 'version: alice'), /hello from app-/)).toMatch(/hello from app-/);
      expect(await httpWho(cluster, ns, 'version: bob')).toMatch(/laptop-bob/);
      expect((await grpcWho(cluster, ns, 'version: bob')).match(/pod=laptop-bob/g)).toHaveLength(4);
    } finally {
      await endMesh(alice);
      if (bob) await endMesh(bob);
    }
    expect(await serviceObject(cluster, ns, 'app')).toEqual(original);
    await waitNoneMade(cluster, ns);
    expect(await waitAnswer(() => httpWho(cluster, ns, 'version: bob'), /hello from app-/)).toMatch(/hello from app-/);
  });
});
