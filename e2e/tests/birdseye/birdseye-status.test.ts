// ktctl birdseye against objects written by hand the way ktctl and KtConnect leave them (every state,
// a KtConnect leftover, a stale holder), its JSON read field by field, restricted RBAC; ktctl status with
// a live connect (its ready line on stdout), after a kill -9 (dead, exit 1) and after clean (healthy).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { startBackground, useClusterEnv, waitFor } from '../../harness/index.js';
import { KTCTL, ktctl, ktctlEnv, startConnect } from '../connect/ktctl.js';
import { deployTestApps } from '../forward/workloads.js';

const env = useClusterEnv(import.meta.filename);
const { cluster, laptop } = env;
let ns: string;
const now = () => Math.floor(Date.now() / 1000);

function pod(name: string, labels: Record<string, string>, annotations: Record<string, string>) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels, annotations },
    // Never started: birdseye reads only labels and annotations.
    spec: { containers: [{ name: 'x', image: 'registry.invalid/none:0', imagePullPolicy: 'Never' }], nodeSelector: { 'h12a/none': 'x' } },
  };
}
function service(
  name: string,
  selector: Record<string, string>,
  meta: { labels?: Record<string, string>; annotations?: Record<string, string> } = {},
) {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, ...meta }, spec: { selector, ports: [{ port: 80, targetPort: 8080 }] } };
}
const kt = (role: string, target: string, user: string, beat: number) => ({
  labels: { 'control-by': 'kt', 'kt-role': role, 'kt-target': target },
  annotations: { 'kt-user': user, 'kt-last-heart-beat': String(beat) },
});

beforeAll(async () => {
  ns = env.namespace.name;
  const t = now();
  const rules = {
    generation: 2,
    default: 'shop-kt-stuntman',
    routes: [{ header: 'version', value: 'abcde', backend: 'shop-kt-mesh-abcde', user: 'alice' }],
  };
  const ex = kt('shadow-exchange', 'aaaa', 'ktc-user', t - 20);
  const stale = kt('shadow-exchange', 'ssss', 'gone-user', t - 3600);
  const router = kt('router', 'rrrr', 'alice', t - 10);
  const mesh = kt('shadow-mesh', 'mmmm', 'alice', t - 10);
  const manual = kt('shadow-mesh', 'cccc', 'frank', t - 10);
  const prev = kt('shadow-preview', 'pppp', 'carol', t - 10);
  const conn = kt('shadow-connect', 'kkkk', 'gina', t - 10);
  const objects = [
    service('plain', { app: 'plain' }),
    // KtConnect's exchange as it leaves it: selector on kt-target, the original in kt-selector (JSON)
    service('web', { 'kt-target': 'aaaa' }, { annotations: { 'kt-selector': '{"app":"web"}' } }),
    pod('web-kt-exchange-qwert', ex.labels, { ...ex.annotations, 'kt-config': 'service=web' }),
    // a dead run's exchange: heartbeat an hour old
    service('old', { 'kt-target': 'ssss' }, { annotations: { 'kt-selector': '{"app":"old"}' } }),
    pod('old-kt-exchange-zzzzz', stale.labels, stale.annotations),
    // mesh auto: router with its rules, a mesh shadow
    service('shop', { 'kt-target': 'rrrr' }, { annotations: { 'kt-selector': '{"app":"shop"}' } }),
    pod('shop-kt-router', router.labels, { ...router.annotations, 'kt-router-rules': JSON.stringify(rules), 'kt-ref-count': '1' }),
    pod('shop-kt-mesh-abcde', mesh.labels, { ...mesh.annotations, 'kt-config': 'service=shop' }),
    service('shop-kt-stuntman', { app: 'shop' }, { labels: { 'control-by': 'kt', 'kt-role': 'router' } }),
    // mesh manual: a shadow with the pods' labels plus version=v2
    service('cart', { app: 'cart' }),
    pod('cart-kt-mesh-v2', { ...manual.labels, app: 'cart', version: 'v2' }, manual.annotations),
    // preview
    service('demo', { 'kt-target': 'pppp' }, prev),
    pod('demo-kt-pqrst', prev.labels, prev.annotations),
    // a connector
    pod('kt-connect-shadow-abcde', conn.labels, conn.annotations),
  ];
  const file = join(mkdtempSync(join(tmpdir(), 'h12a-')), 'objects.json');
  writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
  await cluster.kubectlOk(['-n', ns, 'apply', '-f', file]);
});

describe('ktctl birdseye', () => {
  it('shows every state, KtConnect leftovers and stale holders, as JSON field by field', async () => {
    const { args, env: vars } = ktctlEnv(cluster);
    const run = await ktctl(laptop, ['birdseye', ...args, '-n', ns, '--showConnector', '-o', 'json'], vars);
    expect(run.code, run.stderr).toBe(0);
    const view = JSON.parse(run.stdout);
    expect(view.namespace).toBe(ns);
    expect(view.staleAfterSeconds).toBe(300);
    expect(Date.parse(view.clusterTime)).not.toBeNaN();
    const by = Object.fromEntries(view.services.map((s: { name: string }) => [s.name, s]));
    expect(Object.keys(by).sort()).toEqual(['cart', 'demo', 'old', 'plain', 'shop', 'web']);
    expect(by.plain).toEqual({ name: 'plain', state: 'normal', holders: [], stale: false });
    expect(by.web.state).toBe('exchanged');
    expect(by.web.stale).toBe(false);
    const [web] = by.web.holders;
    expect(web.kind).toBe('exchange');
    expect(web.mode).toBe('selector');
    expect(web.user).toBe('ktc-user');
    expect(web.shadow).toBe('web-kt-exchange-qwert');
    expect(Date.parse(web.since)).not.toBeNaN();
    expect(web.heartbeatAgeSeconds).toBeGreaterThanOrEqual(0);
    expect(web.heartbeatAgeSeconds).toBeLessThan(300);
    expect(web.stale).toBe(false);
    expect(by.old).toMatchObject({
      state: 'exchanged',
      stale: true,
      holders: [{ user: 'gone-user', shadow: 'old-kt-exchange-zzzzz', stale: true }],
    });
    expect(by.old.holders[0].heartbeatAgeSeconds).toBeGreaterThan(3000);
    expect(by.shop).toMatchObject({
      state: 'meshed',
      holders: [
        {
          kind: 'mesh',
          mode: 'auto',
          user: 'alice',
          version: 'abcde',
          header: 'version: abcde',
          shadow: 'shop-kt-mesh-abcde',
          stale: false,
        },
      ],
    });
    expect(by.cart).toMatchObject({
      state: 'meshed',
      holders: [{ kind: 'mesh', mode: 'manual', user: 'frank', version: 'v2', label: 'version=v2' }],
    });
    expect(by.demo).toMatchObject({ state: 'previewed', holders: [{ kind: 'preview', user: 'carol', shadow: 'demo-kt-pqrst' }] });
    expect(view.connectors).toMatchObject([{ kind: 'connect', user: 'gina', shadow: 'kt-connect-shadow-abcde', stale: false }]);
    expect(view.hint).toBe(`run "ktctl clean -n ${ns}" to remove what stale runs left`);
  });

  it('prints a table with the stale mark and the hint, sorted by status, natural Services hidden', async () => {
    const { args, env: vars } = ktctlEnv(cluster);
    const run = await ktctl(laptop, ['birdseye', ...args, '-n', ns, '--sortBy', 'status', '--hideNaturalService'], vars);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^SERVICE\s+STATE\s+BY$/);
    expect(lines.slice(1, 6).map((l) => l.split(/\s+/).slice(0, 2).join(' '))).toEqual([
      'old exchanged',
      'web exchanged',
      'cart meshed',
      'shop meshed',
      'demo previewed',
    ]);
    expect(run.stdout).not.toMatch(/^plain/m);
    expect(run.stdout).toMatch(/^old\s+exchanged\s+exchanged by gone-user \(selector, .*STALE: no heartbeat for \d+m\)$/m);
    expect(run.stdout).toContain(`# stale runs found (no heartbeat for more than 5 min): run "ktctl clean -n ${ns}"`);
  });

  it('says in one line with a code when RBAC forbids listing', async () => {
    const { args, env: vars } = ktctlEnv(cluster, 'restricted');
    const run = await ktctl(laptop, ['birdseye', ...args, '-n', ns], vars);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr.trim()).toMatch(/^error: You may not \w+ \w+ in namespace .*\[KT_FORBIDDEN\]$/);
  });
});

describe('-o json|yaml on clean --dryRun, config show and recover', () => {
  it('reports the stale leftovers clean would remove, the config, and a recover, field by field', async () => {
    const { args, env: vars } = ktctlEnv(cluster);
    const dry = await ktctl(laptop, ['clean', ...args, '-n', ns, '--dryRun', '-o', 'json'], vars);
    expect(dry.code, dry.stderr).toBe(0);
    const plan = JSON.parse(dry.stdout);
    expect(plan.dryRun).toBe(true);
    expect(plan.namespace).toBe(ns);
    expect(plan.thresholdSeconds).toBe(300);
    expect(plan.laptop).toEqual([]);
    expect(plan.cluster).toContainEqual(
      expect.objectContaining({ kind: 'restore-selector', selector: { app: 'old' }, description: expect.stringContaining('services/old') }),
    );
    expect(plan.cluster).toContainEqual(
      expect.objectContaining({ kind: 'delete', ref: expect.objectContaining({ name: 'old-kt-exchange-zzzzz' }) }),
    );
    expect(plan.cluster.some((a: { ref?: { name: string } }) => a.ref?.name === 'web-kt-exchange-qwert')).toBe(false);

    await ktctl(laptop, ['config', 'set', 'global.namespace', ns], vars);
    const shown = await ktctl(laptop, ['config', 'show', '-o', 'yaml'], vars);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toBe(`path: ${vars.KT_HOME}/config\nconfig:\n  global:\n    namespace: ${ns}\n`);

    const recovered = await ktctl(laptop, ['recover', ...args, '-n', ns, 'old', '-o', 'json'], vars);
    expect(recovered.code, recovered.stderr).toBe(0);
    const result = JSON.parse(recovered.stdout);
    expect(result.service).toBe('old');
    expect(result.namespace).toBe(ns);
    expect(result.recovered).toBe(true);
    expect(result.done.length).toBeGreaterThan(0);
    expect(result.failures).toEqual([]);
    const selector = await cluster.kubectlOk(['-n', ns, 'get', 'service', 'old', '-o', 'jsonpath={.spec.selector}']);
    expect(JSON.parse(selector)).toEqual({ app: 'old' });
  });
});

describe('ktctl status', () => {
  it('reports a live connect, then a kill -9 as dead (exit 1), and is healthy again after clean', async () => {
    const { args, env: vars } = ktctlEnv(cluster);
    const empty = await ktctl(laptop, ['status', '-o', 'json'], vars);
    expect(empty.code).toBe(0);
    expect(JSON.parse(empty.stdout)).toEqual({ runs: [], pendingClean: [], healthy: true });
    const connect = await startConnect(laptop, [...args, '-n', ns, '--disableTunDevice', '--proxyPort', '17223', '-o', 'json'], vars);
    try {
      const [line] = connect.output().match(/^\{"event":"ready".*\}$/m) ?? [];
      const ready = JSON.parse(line!);
      expect(ready.event).toBe('ready');
      expect(ready.command).toBe('connect');
      expect(ready.namespace).toBe(ns);
      expect(ready.proxyPort).toBe(17223);
      expect(ready.proxy).toEqual({ host: '127.0.0.1', port: 17223 });
      expect(ready.shadow).toMatch(/^kt-connect-shadow-[a-z]{5}$/);
      expect(ready.tun).toBeNull();
      expect(typeof ready.pid).toBe('number');

      const live = await ktctl(laptop, ['status', '-o', 'json'], vars);
      expect(live.code, live.stdout).toBe(0);
      const report = JSON.parse(live.stdout);
      expect(report.healthy).toBe(true);
      expect(report.runs).toHaveLength(1);
      const [run] = report.runs;
      expect(run.command).toBe('connect');
      expect(run.pid).toBe(ready.pid);
      expect(run.alive).toBe(true);
      expect(run.state).toBe('connected');
      expect(run.namespace).toBe(ns);
      expect(run.context).toBeTruthy();
      expect(run.shadow).toBe(ready.shadow);
      expect(run.proxy).toBe('127.0.0.1:17223');
      expect(run.dnsMode).toBeTruthy();
      expect(Date.parse(run.since)).not.toBeNaN();
      const text = await ktctl(laptop, ['status'], vars);
      expect(text.stdout).toMatch(new RegExp(`^connect\\s+${ready.pid}\\s+\\S+\\s+connected\\s+${ns}\\s+`, 'm'));

      process.kill(ready.pid, 'SIGKILL');
      await waitFor(async () => !(await laptop.canConnect('127.0.0.1', 17223)), { timeoutMs: 20_000 });
      const dead = await ktctl(laptop, ['status', '-o', 'json'], vars);
      expect(dead.code).toBe(1);
      const after = JSON.parse(dead.stdout);
      expect(after.healthy).toBe(false);
      expect(after.runs).toMatchObject([{ command: 'connect', pid: ready.pid, alive: false, state: 'dead' }]);
      expect(after.hint).toContain('ktctl clean');
    } finally {
      await connect.stop();
    }
    const clean = await ktctl(laptop, ['clean', '--localOnly'], vars);
    expect(clean.code, clean.stderr).toBe(0);
    const healthy = await ktctl(laptop, ['status', '-o', 'json'], vars);
    expect(healthy.code).toBe(0);
    expect(JSON.parse(healthy.stdout)).toEqual({ runs: [], pendingClean: [], healthy: true });
  });

  it('shows a live forward as ready with its local address, after its ready line on stdout', async () => {
    // The hand-written exchanged Service "web" makes way for a real one with pods.
    await cluster.kubectlOk(['-n', ns, 'delete', 'service/web', 'pod/web-kt-exchange-qwert', '--wait=false']);
    await deployTestApps(cluster, ns);
    const { args, env: vars } = ktctlEnv(cluster);
    const [cmd, argv] = laptop.argv('env', [
      ...Object.entries(vars).map(([k, v]) => `${k}=${v}`),
      KTCTL,
      'forward',
      'web',
      '18191',
      ...args,
      '-n',
      ns,
      '-o',
      'json',
    ]);
    const forward = startBackground(cmd, argv);
    try {
      const [line] = await forward.waitForOutput(/^\{"event":"ready".*\}$/m, 90_000);
      const ready = JSON.parse(line);
      expect(ready).toMatchObject({
        event: 'ready',
        command: 'forward',
        namespace: ns,
        service: 'web',
        host: '127.0.0.1',
        localPort: 18191,
      });
      expect(ready.servicePort).toBe(80);
      expect(ready.targetPort).toBe(8080);
      expect(ready.pod).toMatch(/^web-/);
      const status = JSON.parse((await ktctl(laptop, ['status', '-o', 'json'], vars)).stdout);
      expect(status.healthy).toBe(true);
      expect(status.runs).toMatchObject([
        { command: 'forward', pid: ready.pid, state: 'ready', service: 'web', pod: ready.pod, localAddress: '127.0.0.1:18191' },
      ]);
    } finally {
      await forward.stop();
    }
    const after = await ktctl(laptop, ['status', '-o', 'json'], vars);
    expect(JSON.parse(after.stdout).runs).toEqual([]);
  });
});
