// ktctl preview from the laptop namespace: a new Service in the cluster leads to a server running in the
// laptop, on every exposed port, for a pod calling it by name; gone after exit; a taken name, missing
// permissions and a local port nobody listens on are one-line errors that leave nothing; after kill -9,
// clean removes the stale preview by its heartbeat.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterCacheDir, startBackground, useClusterEnv, waitFor, type Background } from '../../harness/index.js';
import { KTCTL, ktObjects, ktctl, ktctlEnv } from '../connect/ktctl.js';

const env = useClusterEnv(import.meta.filename);
const { cluster, laptop } = env;
let ns: string;
let laptopServer: Background;
const CLIENT = 'client';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const SHADOW_IMAGE = `ghcr.io/ktctl/shadow:${(JSON.parse(readFileSync(join(REPO, 'apps/shadow/package.json'), 'utf8')) as { version: string }).version}`;

/**
 * Runs a node script in the in-cluster client pod (the shadow image: node resolves names through the
 * pod's resolv.conf, which the testapp image's static busybox cannot do reliably).
 */
function inCluster(script: string) {
  const bounded = `setTimeout(() => { console.error('timeout'); process.exit(2); }, 5000).unref(); ${script}`;
  return cluster.kubectl(['-n', ns, 'exec', CLIENT, '--', '/usr/local/bin/node', '-e', bounded], { timeoutMs: 30_000 });
}

/** GET a URL from the client pod; stdout is the body. */
function httpGet(url: string) {
  return inCluster(
    `require('http').get(${JSON.stringify(url)}, (r) => r.pipe(process.stdout)).on('error', (e) => { console.error(e.message); process.exit(1); });`,
  );
}

/** Sends a line to a TCP echo server from the client pod; stdout is the answer. */
function tcpEcho(host: string, port: number, line: string) {
  return inCluster(
    `const s = require('net').connect(${port}, ${JSON.stringify(host)}, () => s.write(${JSON.stringify(`${line}\n`)})); s.on('data', (d) => { process.stdout.write(d); s.destroy(); }).on('error', (e) => { console.error(e.message); process.exit(1); });`,
  );
}

beforeAll(async () => {
  ns = env.namespace.name;
  await env.namespace.grantRestricted();
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: CLIENT, namespace: ns },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: 'client',
          image: SHADOW_IMAGE,
          imagePullPolicy: 'Never',
          command: ['/usr/local/bin/node', '-e', 'setInterval(() => {}, 1 << 30)'],
        },
      ],
    },
  };
  await cluster.kubectlOk(['create', '-f', '-'], { input: JSON.stringify(pod) });
  // The laptop's own program: the same test server, answering as "laptop", HTTP on 18190 and TCP echo on 18191.
  const [cmd, argv] = laptop.argv('env', [
    'POD_NAME=laptop',
    join(clusterCacheDir(), 'bin', 'testapp'),
    'serve',
    '-http',
    '127.0.0.1:18190',
    '-tcp',
    '127.0.0.1:18191',
    '-udp=',
  ]);
  laptopServer = startBackground(cmd, argv);
  await waitFor(() => laptop.canConnect('127.0.0.1', 18190), { timeoutMs: 10_000, what: 'the laptop server' });
  await cluster.kubectlOk(['-n', ns, 'wait', '--for=condition=Ready', `pod/${CLIENT}`, '--timeout=60s'], { timeoutMs: 70_000 });
});
afterAll(async () => {
  await laptopServer?.stop();
});

async function startPreview(name: string, extra: string[], vars: Record<string, string> = {}): Promise<Background> {
  const { args, env: base } = ktctlEnv(cluster);
  const all = { ...base, ...vars };
  const [cmd, argv] = laptop.argv('env', [
    ...Object.entries(all).map(([k, v]) => `${k}=${v}`),
    KTCTL,
    'preview',
    name,
    ...extra,
    ...args,
    '-n',
    ns,
  ]);
  const preview = startBackground(cmd, argv);
  await preview.waitForOutput(/Press Ctrl-C to stop/, 120_000);
  return preview;
}

describe('ktctl preview', () => {
  it('makes a Service that reaches the laptop on every exposed port, refuses a second preview naming the first user, and removes everything on exit', async () => {
    const preview = await startPreview('demo', ['--expose', '18190:8080,18191:9000'], { USER: 'alice' });
    try {
      const svc = await cluster.getJson(['-n', ns, 'service', 'demo']);
      expect(svc.metadata.labels).toMatchObject({ 'control-by': 'kt', 'kt-role': 'shadow-preview' });
      expect(svc.metadata.annotations).toMatchObject({ 'kt-user': 'alice' });
      expect(svc.spec.type).toBe('ClusterIP');
      expect(svc.spec.ports.map((p: { port: number }) => p.port)).toEqual([8080, 9000]);
      const shadow = await cluster.getJson(['-n', ns, 'pods', '-l', 'kt-role=shadow-preview']);
      expect(shadow.items.map((p: { metadata: { name: string } }) => p.metadata.name)).toEqual([
        expect.stringMatching(/^demo-kt-[a-z]{5}$/),
      ]);
      const http = await httpGet('http://demo:8080/');
      expect(http.stdout, http.stderr).toBe('hello from laptop\n');
      const echo = await tcpEcho('demo', 9000, 'ping-through-preview');
      expect(echo.stdout, echo.stderr).toContain('ping-through-preview');
      const { args, env: vars } = ktctlEnv(cluster);
      const second = await ktctl(laptop, ['preview', 'demo', '--expose', '18190', ...args, '-n', ns], vars);
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(
        new RegExp(`^error: Service demo in namespace ${ns} is already previewed by alice\\. .*\\[KT_ALREADY_REDIRECTED\\]$`, 'm'),
      );
      expect((await ktObjects(cluster, ns)).filter((o) => o.startsWith('pod/'))).toHaveLength(1);
    } finally {
      await preview.stop(30_000);
    }
    expect(preview.output()).toMatch(/Removing the preview/);
    expect(preview.output()).not.toMatch(/^(error|warn):/m);
    expect(await ktObjects(cluster, ns)).toEqual([]);
    expect((await cluster.kubectl(['-n', ns, 'get', 'service', 'demo'])).code).not.toBe(0);
    const after = await httpGet('http://demo:8080/');
    expect(after.code).not.toBe(0);
  });

  it('survives its shadow pod being deleted: recreated, tunnel re-established, the Service answers again', async () => {
    const preview = await startPreview('phoenix', ['--expose', '18190:8080']);
    try {
      expect((await httpGet('http://phoenix:8080/')).stdout).toBe('hello from laptop\n');
      const [pod] = (await ktObjects(cluster, ns)).filter((o) => o.startsWith('pod/'));
      const uid = await cluster.kubectlOk(['-n', ns, 'get', pod!, '-o', 'jsonpath={.metadata.uid}']);
      await cluster.kubectlOk(['-n', ns, 'delete', pod!, '--wait=false']);
      await preview.waitForOutput(/Tunnel: reverse tunnel re-established/, 90_000);
      expect(await cluster.kubectlOk(['-n', ns, 'get', pod!, '-o', 'jsonpath={.metadata.uid}'])).not.toBe(uid);
      const again = await waitFor(
        async () => {
          const r = await httpGet('http://phoenix:8080/');
          return r.code === 0 ? r : undefined;
        },
        { timeoutMs: 30_000, what: 'the Service to answer through the new shadow pod' },
      );
      expect(again.stdout).toBe('hello from laptop\n');
    } finally {
      await preview.stop(30_000);
    }
    expect(await ktObjects(cluster, ns)).toEqual([]);
  });

  it('makes a LoadBalancer Service with --external', async () => {
    const preview = await startPreview('demo-ext', ['--expose', '18190:8080', '--external']);
    try {
      const svc = await cluster.getJson(['-n', ns, 'service', 'demo-ext']);
      expect(svc.spec.type).toBe('LoadBalancer');
      const http = await httpGet('http://demo-ext:8080/');
      expect(http.stdout, http.stderr).toBe('hello from laptop\n');
    } finally {
      await preview.stop(30_000);
    }
    expect(await ktObjects(cluster, ns)).toEqual([]);
  });

  it('refuses to overwrite a Service it does not own, in one line, changing nothing', async () => {
    await cluster.kubectlOk(['-n', ns, 'create', 'service', 'clusterip', 'taken', '--tcp=80:8080']);
    const before = await cluster.getJson(['-n', ns, 'service', 'taken']);
    const { args, env: vars } = ktctlEnv(cluster);
    const result = await ktctl(laptop, ['preview', 'taken', '--expose', '18190:80', ...args, '-n', ns], vars);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(
      new RegExp(
        `^error: Service taken already exists in namespace ${ns} and was not made by ktctl\\. .*never overwrites.* \\[KT_ALREADY_EXISTS\\]$`,
        'm',
      ),
    );
    expect(await cluster.getJson(['-n', ns, 'service', 'taken'])).toEqual(before);
    expect(await ktObjects(cluster, ns)).toEqual([]);
  });

  it('names the missing permissions under restricted RBAC, in one line, leaving nothing', async () => {
    const { args, env: vars } = ktctlEnv(cluster, 'restricted');
    const result = await ktctl(laptop, ['preview', 'locked', '--expose', '18190', ...args, '-n', ns], vars);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(
      /^error: You may not create services, patch services, delete services, create configmaps.* \[KT_FORBIDDEN\]$/m,
    );
    expect(await ktObjects(cluster, ns)).toEqual([]);
  });

  it('says when nothing listens on a local port (unless --skipPortChecking)', async () => {
    const { args, env: vars } = ktctlEnv(cluster);
    const result = await ktctl(laptop, ['preview', 'nobody', '--expose', '18199:80', ...args, '-n', ns], vars);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^error: Nothing listens on local port 18199 \(127\.0\.0\.1\)\. .*--skipPortChecking.* \[KT_PORT_NOT_LISTENING\]$/m,
    );
    expect(await ktObjects(cluster, ns)).toEqual([]);
  });

  it('after kill -9, clean removes the stale Service and shadow by their heartbeat', async () => {
    const { args, env: vars, home } = ktctlEnv(cluster);
    const [cmd, argv] = laptop.argv('env', [
      ...Object.entries(vars).map(([k, v]) => `${k}=${v}`),
      KTCTL,
      'preview',
      'crashed',
      '--expose',
      '18190:8080',
      ...args,
      '-n',
      ns,
    ]);
    const preview = startBackground(cmd, argv);
    await preview.waitForOutput(/Press Ctrl-C to stop/, 120_000);
    const ktctlPid = Number((await laptop.run('pgrep', ['-f', `${KTCTL} preview crashed`])).stdout.trim().split('\n')[0]);
    process.kill(ktctlPid, 'SIGKILL');
    await preview.stop();
    expect(await ktObjects(cluster, ns)).toEqual(expect.arrayContaining(['service/crashed']));
    // Fresh heartbeats are not stale: a plain clean keeps them.
    const keep = await ktctl(laptop, ['clean', ...args, '-n', ns], { ...vars, KT_HOME: home });
    expect(keep.code, keep.stderr).toBe(0);
    expect(await ktObjects(cluster, ns)).toContain('service/crashed');
    await new Promise((r) => setTimeout(r, 2000));
    const clean = await ktctl(laptop, ['clean', '--thresholdInMinus', '0', ...args, '-n', ns], { ...vars, KT_HOME: home });
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.stderr).toMatch(/delete services\/crashed/);
    await waitFor(async () => (await ktObjects(cluster, ns)).length === 0, { timeoutMs: 30_000, what: 'the stale preview to go' });
  });
});
