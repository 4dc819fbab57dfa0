// ktctl forward from the laptop namespace: a local port reaches a ready pod of a Service through the
// API server, follows the next pod when that one is deleted, and creates nothing in the cluster; the
// port of a multi-port Service is asked for on a terminal and is a one-line error otherwise.
import { spawn } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { startBackground, useClusterEnv, waitFor, type Background } from '../../harness/index.js';
import { KTCTL, ktObjects, ktctl, ktctlEnv } from '../connect/ktctl.js';
import { deployTestApps, readyPods } from './workloads.js';

const env = useClusterEnv(import.meta.filename);
const { cluster, laptop } = env;
let ns: string;

beforeAll(async () => {
  ns = env.namespace.name;
  await env.namespace.grantRestricted();
  await deployTestApps(cluster, ns);
});

/** Starts `ktctl forward ...` in the laptop and waits until it listens. */
async function startForward(args: string[], who: 'admin' | 'restricted' = 'admin'): Promise<Background> {
  const { args: kube, env: vars } = ktctlEnv(cluster, who);
  const [cmd, argv] = laptop.argv('env', [
    ...Object.entries(vars).map(([k, v]) => `${k}=${v}`),
    KTCTL,
    'forward',
    ...args,
    ...kube,
    '-n',
    ns,
  ]);
  const forward = startBackground(cmd, argv);
  await forward.waitForOutput(/Press Ctrl-C to stop/, 60_000);
  return forward;
}

/** Whatever cluster objects exist besides the test workloads: forward must create none. */
async function extraObjects(): Promise<string[]> {
  const all = await cluster.kubectlOk(['-n', ns, 'get', 'pods,services,configmaps,deployments', '-o', 'name']);
  return all
    .split('\n')
    .filter((o) => o && !/^(pod\/(echo|web)-|service\/(echo|web)$|deployment\.apps\/(echo|web)$|configmap\/kube-root-ca\.crt$)/.test(o));
}

describe('ktctl forward', () => {
  it('forwards to a ready pod, follows the new pod after a restart, with read-only RBAC, creating nothing', async () => {
    const forward = await startForward(['web', '18181'], 'restricted');
    try {
      expect(forward.output()).toMatch(/Forwarding 127\.0\.0\.1:18181 → service web port 80 \(pod web-\S+, port 8080\)/);
      const first = await laptop.curl('http://127.0.0.1:18181/');
      expect(first.stdout, first.stderr).toMatch(/^hello from web-/);
      const oldPod = first.stdout.trim().split(' ').pop()!;
      expect(await extraObjects()).toEqual([]);
      await cluster.kubectlOk(['-n', ns, 'delete', 'pod', oldPod, '--wait=false']);
      const [, newPod] = await forward.waitForOutput(/Now forwarding to pod (web-\S+) \(was /, 60_000);
      expect(newPod).not.toBe(oldPod);
      expect(forward.output()).toMatch(
        new RegExp(`Pod ${oldPod} is (terminating|deleted|not ready); waiting for another ready pod of service web`),
      );
      const next = await laptop.curl('http://127.0.0.1:18181/');
      expect(next.stdout, next.stderr).toBe(`hello from ${newPod}\n`);
    } finally {
      await forward.stop();
    }
    expect(forward.output()).not.toMatch(/^error:/m);
    expect(await extraObjects()).toEqual([]);
    expect(await laptop.canConnect('127.0.0.1', 18181)).toBe(false);
  });

  it('resolves a named target port and carries raw TCP (echo 18182:9000)', async () => {
    const forward = await startForward(['svc/echo', '18182:9000']);
    try {
      expect(forward.output()).toMatch(/→ service echo port 9000 \(pod echo-\S+, port 9000\)/);
      const reply = await laptop.run('bash', ['-c', 'exec 3<>/dev/tcp/127.0.0.1/18182; echo ping >&3; head -n1 <&3'], {
        timeoutMs: 10_000,
      });
      expect(reply.stdout).toContain('ping');
    } finally {
      await forward.stop();
    }
  });

  it('asks which port on a terminal when the Service has several', async () => {
    const { args: kube, env: vars } = ktctlEnv(cluster);
    const line = ['env', ...Object.entries(vars).map(([k, v]) => `${k}=${v}`), KTCTL, 'forward', 'echo', '18183', ...kube, '-n', ns].join(
      ' ',
    );
    // script gives ktctl a pseudo-terminal; its stdin is ours.
    const [cmd, argv] = laptop.argv('script', ['-qfec', line, '/dev/null']);
    const child = spawn(cmd, argv, { detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await waitFor(() => out.includes('Choose 1-2:'), { timeoutMs: 60_000, what: 'the port question' });
      expect(out).toContain('Service echo has several ports; forward which one?');
      expect(out).toMatch(/1\) 80 \(http\)\s+2\) 9000 \(tcp-echo\)/);
      child.stdin.write('1\n');
      await waitFor(() => out.includes('Press Ctrl-C to stop'), { timeoutMs: 30_000, what: 'the forward to start' });
      const reply = await laptop.curl('http://127.0.0.1:18183/');
      expect(reply.stdout, reply.stderr).toMatch(/^hello from echo-/);
    } finally {
      process.kill(-child.pid!, 'SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });

  it('without a terminal, a multi-port Service is a one-line usage error listing its ports', async () => {
    const { args, env: vars } = ktctlEnv(cluster);
    const result = await ktctl(laptop, ['forward', 'echo', ...args, '-n', ns], vars);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(
      /^error: Service echo has 2 ports: 80 \(http\), 9000 \(tcp-echo\); say which one\. ktctl forward echo <local>:<port>, e\.g\. ktctl forward echo 8080:80\. \[KT_USAGE\]$/m,
    );
  });

  it('says which local port is busy, in one line', async () => {
    const blocker = laptop.start('python3', [
      '-c',
      'import socket,time; s=socket.socket(); s.bind(("127.0.0.1", 18184)); s.listen(); time.sleep(60)',
    ]);
    try {
      await waitFor(() => laptop.canConnect('127.0.0.1', 18184), { timeoutMs: 10_000, what: 'the blocker' });
      const { args, env: vars } = ktctlEnv(cluster);
      const result = await ktctl(laptop, ['forward', 'web', '18184', ...args, '-n', ns], vars);
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(/^error: Local port 18184 on 127\.0\.0\.1 is already in use\. .*\[KT_PORT_IN_USE\]$/m);
    } finally {
      await blocker.stop();
    }
  });

  it('names a missing Service and the namespace, in one line', async () => {
    const { args, env: vars } = ktctlEnv(cluster);
    const result = await ktctl(laptop, ['forward', 'nope', '18185', ...args, '-n', ns], vars);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(new RegExp(`^error: Service nope not found in namespace ${ns}\\. .*\\[KT_NOT_FOUND\\]$`, 'm'));
    expect(await ktObjects(cluster, ns)).toEqual([]);
  });
});
