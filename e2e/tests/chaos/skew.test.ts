// The laptop's clock ±10 minutes from the cluster's (ktctl under faketime): `ktctl clean` never touches
// another user's live shadow, exchange, preview or mesh, and still removes the stale ones, because
// heartbeats are written and judged in cluster time (the API server's Date header), never a laptop's.
import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run as runCommand, startBackground, waitFor, type Background } from '../../harness/index.js';
import { KTCTL, ktctl, ktctlEnv } from '../connect/ktctl.js';
import { appPorts, endMesh, ktMade, routerRules, serviceObject, startLaptopApp, useMeshFile, waitNoneMade } from '../mesh/support.js';

const { cluster, laptop, ns: namespace } = useMeshFile(import.meta.filename);
const alice = appPorts();
const bob = appPorts();
const apps: Background[] = [];
const live: Background[] = [];
let ns: string;
const { args, env: kenv } = ktctlEnv(cluster);

/**
 * How far behind the laptop's clock may go: 10 minutes, unless the cluster's certificates are younger
 * than that (a fresh CI cluster) — a laptop further behind could not even verify them (TLS), whatever
 * ktctl does — then as far as they allow, said in the test's name.
 */
function behindMinutes(): number {
  const ca = new X509Certificate(readFileSync(new URL('../../../.cache/cluster/pki/apiserver.crt', import.meta.url)));
  const ageMinutes = (Date.now() - Date.parse(ca.validFrom)) / 60_000;
  return Math.max(1, Math.min(10, Math.floor(ageMinutes - 1)));
}
const BEHIND = behindMinutes();
/** Debian's faketime package (tools/install-deps.sh). */
const LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';
const skews = { ahead: '+10m', behind: `-${BEHIND}m` } as const;

/** argv for ktctl under faketime in the laptop namespace, as `user`. */
function skewed(skew: string | undefined, user: string, ktArgs: readonly string[]): [string, string[]] {
  return laptop.argv('env', [
    ...Object.entries({ ...kenv, USER: user }).map(([k, v]) => `${k}=${v ?? ''}`),
    // faketime's library itself (what the faketime command preloads), so the pid is ktctl's own.
    ...(skew ? [`LD_PRELOAD=${LIBFAKETIME}`, `FAKETIME=${skew}`, 'FAKETIME_DONT_FAKE_MONOTONIC=1'] : []),
    KTCTL,
    ...ktArgs,
    ...args,
    '-n',
    ns,
  ]);
}

async function start(skew: string | undefined, user: string, ktArgs: readonly string[], ready: RegExp): Promise<Background> {
  const run = startBackground(...skewed(skew, user, ktArgs));
  await run.waitForOutput(ready, 150_000);
  return run;
}

const READY = {
  connect: /Press Ctrl-C to disconnect/,
  exchange: /Press Ctrl-C to end the exchange/,
  preview: /Press Ctrl-C to stop/,
  mesh: /Press Ctrl-C to end the mesh/,
};

/** Cluster time now (unix seconds), from an object the API server stamps. */
async function clusterNow(): Promise<number> {
  const name = `h14a-now-${Math.random().toString(36).slice(2, 8)}`;
  await cluster.kubectlOk(['-n', ns, 'create', 'configmap', name]);
  const at = Date.parse(await cluster.kubectlOk(['-n', ns, 'get', 'configmap', name, '-o', 'jsonpath={.metadata.creationTimestamp}']));
  await cluster.kubectlOk(['-n', ns, 'delete', 'configmap', name, '--wait=false']);
  return Math.floor(at / 1000);
}

/** uid of every ktctl object, by kind/name. */
async function ktUids(): Promise<Record<string, string>> {
  const list = await cluster.getJson(['-n', ns, 'pods,configmaps,deployments,services', '-l', 'control-by=kt']);
  return Object.fromEntries((list.items as any[]).map((o) => [`${o.kind.toLowerCase()}/${o.metadata.name}`, o.metadata.uid]));
}

const service = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: ns },
  spec: { selector: { app: 'app' }, ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'http' }] },
});

beforeAll(async () => {
  ns = namespace();
  await cluster.kubectlOk(['apply', '-f', '-'], {
    input: [service('live-svc'), service('stale-svc')].map((s) => JSON.stringify(s)).join('\n'),
  });
  apps.push(await startLaptopApp(laptop, 'alice', ...alice), await startLaptopApp(laptop, 'bob', ...bob));
});
afterAll(async () => {
  for (const run of live) await endMesh(run);
  for (const app of apps) await app.stop();
});

describe(`clean with the laptop clock ${skews.ahead} and ${skews.behind} from the cluster`, () => {
  it('keeps every live run of another user, and removes the stale ones', async () => {
    const expose = (p: [number, number]) => ['--expose', `${p[0]}:8080`];
    // Another user, alice, whose laptop clock is off too: her live runs.
    live.push(await start(skews.ahead, 'alice', ['connect', '--disableTunDevice', '--proxyPort', String(alice[0] + 5000)], READY.connect));
    live.push(await start(skews.ahead, 'alice', ['exchange', 'live-svc', ...expose(alice)], READY.exchange));
    live.push(await start(skews.behind, 'alice', ['preview', 'live-preview', ...expose(alice)], READY.preview));
    live.push(
      await start(
        skews.behind,
        'alice',
        ['mesh', 'app', '--expose', `${alice[0]}:8080,${alice[1]}:9090`, '--versionMark', 'alice'],
        READY.mesh,
      ),
    );
    const liveObjects = await ktUids();
    const liveSvc = await serviceObject(cluster, ns, 'live-svc');
    const now = await clusterNow();
    for (const object of Object.keys(liveObjects)) {
      const beat = Number(
        await cluster.kubectlOk(['-n', ns, 'get', object, '-o', "jsonpath={.metadata.annotations['kt-last-heart-beat']}"]),
      );
      // Written by a laptop 10 minutes off, and still cluster time.
      if (beat) expect(Math.abs(beat - now), object).toBeLessThan(60);
    }

    // Bob's runs, killed with kill -9 and silent for 15 minutes (their heartbeats rewritten to an older cluster time).
    const staleSvcBefore = await serviceObject(cluster, ns, 'stale-svc');
    const dead = [
      await start(undefined, 'bob', ['connect', '--disableTunDevice', '--proxyPort', String(bob[0] + 5000)], READY.connect),
      await start(undefined, 'bob', ['exchange', 'stale-svc', ...expose(bob)], READY.exchange),
      await start(undefined, 'bob', ['preview', 'stale-preview', ...expose(bob)], READY.preview),
      await start(undefined, 'bob', ['mesh', 'app', '--expose', `${bob[0]}:8080,${bob[1]}:9090`, '--versionMark', 'bob'], READY.mesh),
    ];
    for (const run of dead) {
      process.kill(run.pid, 'SIGKILL');
      await run.stop();
    }
    const all = await ktUids();
    const staleObjects = Object.keys(all).filter((o) => all[o] !== liveObjects[o]);
    expect(staleObjects.length, JSON.stringify({ liveObjects, all, said: dead.map((r) => r.output()) })).toBeGreaterThanOrEqual(8);
    for (const object of [...staleObjects, 'service/stale-svc']) {
      await cluster.kubectlOk(['-n', ns, 'annotate', '--overwrite', object, `kt-last-heart-beat=${now - 900}`]);
    }

    // Ahead: a laptop judging by its own clock would call alice's fresh heartbeats 10 minutes old.
    const dry = await ktctl(laptop, ['clean', '--dryRun', ...args, '-n', ns], kenv);
    const dryAhead = await run(skewed(skews.ahead, 'carol', ['clean', '--dryRun']));
    expect(dryAhead.code, dryAhead.stderr).toBe(0);
    // The same plan as a laptop on time makes (silences rounded to minutes can tick over in between).
    const plan = (out: string) =>
      out
        .replace(/for \d+ min/g, 'for N min')
        .split('\n')
        .sort();
    expect(plan(dryAhead.stdout)).toEqual(plan(dry.stdout));
    expect(dryAhead.stdout).not.toMatch(/alice|live-svc|live-preview|kt-connect-.*alice/);
    for (const object of staleObjects.filter((o) => o.startsWith('pod/'))) expect(dryAhead.stdout).toContain(`pods/${object.slice(4)}`);
    expect(dryAhead.stdout).toMatch(/would restore the selector of services\/stale-svc/);
    expect(dryAhead.stdout).toMatch(/would drop the route of bob/);

    // Behind: a laptop judging by its own clock would call bob's 15-minute silence 5 minutes.
    const behind = await run(skewed(skews.behind, 'carol', ['clean']));
    expect(behind.code, behind.stderr).toBe(0);
    await waitFor(async () => !Object.keys(await ktUids()).some((o) => staleObjects.includes(o)), {
      timeoutMs: 40_000,
      what: "bob's stale objects to go",
    });
    expect(await serviceObject(cluster, ns, 'stale-svc')).toEqual(staleSvcBefore);
    expect((await routerRules(cluster, ns)).routes.map((r) => r.user)).toEqual(['alice']);

    // And once more ahead, for real: alice's runs are exactly as they were.
    const ahead = await run(skewed(skews.ahead, 'carol', ['clean']));
    expect(ahead.code, ahead.stderr).toBe(0);
    expect(ahead.stderr).toMatch(/Nothing stale/);
    const after = await ktUids();
    for (const [object, uid] of Object.entries(liveObjects)) expect(after[object], object).toBe(uid);
    expect(await serviceObject(cluster, ns, 'live-svc')).toEqual({
      ...liveSvc,
      metadata: { ...liveSvc.metadata, annotations: expect.any(Object) },
    });
    expect((await cluster.getJson(['-n', ns, 'service', 'live-svc'])).spec.selector).toEqual(liveSvc.spec.selector);
    for (const run of live) expect(run.output()).not.toMatch(/error|KT_/);

    for (const run of live.splice(0).reverse()) await endMesh(run);
    await waitNoneMade(cluster, ns);
    expect((await ktMade(cluster, ns)).length).toBe(0);
    // Eight runs start here, one at a time, on a small shared machine.
  }, 420_000);
});

function run([cmd, argv]: [string, string[]]) {
  return runCommand(cmd, argv, { timeoutMs: 90_000 });
}
