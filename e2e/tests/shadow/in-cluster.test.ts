/**
 * The shadow image in the local test cluster, the way ktctl uses it: imported into containerd, run as a
 * pod with only NET_BIND_SERVICE, its authorized key from a ConfigMap, reached from the laptop namespace
 * through `kubectl port-forward` with OpenSSH; its DNS asked with dig against the real CoreDNS behind it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { encodeFrame, FrameDecoder, FrameKind, UDP_RELAY_SUBSYSTEM, type RelayFrame } from '@ktctl/agent-contract';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, runOk, useClusterEnv, waitFor, type Background } from '../../harness/index.js';
import { buildShadowImage, keygen, netnsRun, sshArgs } from './support.js';

const IMAGE = 'ktctl.local/shadow:e2e';
const POD = 'kt-shadow';
const env = useClusterEnv(import.meta.filename);
const { cluster, laptop } = env;
const testNs = cluster.facts.testNamespace;
const work = mkdtempSync(join(tmpdir(), 'kt-shadow-e2e-'));
const background: Background[] = [];
let key: string;
let podIP: string;
let sshLocalPort: number;

/** The shadow pod as ktctl should create it (see apps/shadow/README.md). */
function shadowPod(namespace: string): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: POD, namespace, labels: { 'control-by': 'kt', 'kt-role': 'shadow-connect' } },
    spec: {
      automountServiceAccountToken: false,
      containers: [
        {
          name: 'shadow',
          image: IMAGE,
          imagePullPolicy: 'Never',
          env: [
            { name: 'KT_LOCAL_DOMAINS', value: 'corp.example' },
            { name: 'KT_LOG_LEVEL', value: 'debug' },
          ],
          ports: [
            { containerPort: 22, name: 'ssh' },
            { containerPort: 53, name: 'dns', protocol: 'UDP' },
          ],
          readinessProbe: { tcpSocket: { port: 22 }, periodSeconds: 1 },
          resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '256Mi' } },
          securityContext: {
            runAsUser: 0,
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] },
          },
          volumeMounts: [{ name: 'keys', mountPath: '/etc/kt', readOnly: true }],
        },
      ],
      volumes: [{ name: 'keys', configMap: { name: 'kt-shadow-keys' } }],
    },
  };
}

/** Runs node inside the shadow container (the image has no shell) and returns what it prints. */
function inPod(namespace: string, script: string): Promise<string> {
  return cluster.kubectlOk(['-n', namespace, 'exec', POD, '--', '/usr/local/bin/node', '-e', script]);
}

const dig = async (name: string, type = 'A', extra: string[] = []) => {
  const r = await run('dig', ['+time=3', '+tries=1', `@${podIP}`, ...extra, name, type], { timeoutMs: 15_000 });
  const section = /;; ANSWER SECTION:\n([\s\S]*?)\n\n/.exec(r.stdout)?.[1] ?? '';
  return {
    status: /status: (\w+)/.exec(r.stdout)?.[1],
    answers: section
      .split('\n')
      .filter(Boolean)
      .map((l) => l.trim().split(/\s+/)),
  };
};

beforeAll(async () => {
  const ns = env.namespace.name;
  const { tarball } = await buildShadowImage(IMAGE);
  await runOk('ctr', ['--address', cluster.facts.containerdSocket, '-n', 'k8s.io', 'images', 'import', tarball], { timeoutMs: 120_000 });
  key = keygen(join(work, 'id'));
  await cluster.kubectlOk(['-n', ns, 'create', 'configmap', 'kt-shadow-keys', `--from-file=authorized_keys=${key}.pub`]);
  const created = Date.now();
  await cluster.kubectlOk(['create', '-f', '-'], { input: JSON.stringify(shadowPod(ns)) });
  await cluster.kubectlOk(['-n', ns, 'wait', '--for=condition=Ready', `pod/${POD}`, '--timeout=90s'], { timeoutMs: 100_000 });
  process.stdout.write(`shadow pod: created → Ready in ${Date.now() - created} ms\n`);
  podIP = (await cluster.getJson<{ status: { podIP: string } }>(['-n', ns, 'pod', POD])).status.podIP;
  sshLocalPort = 22000 + Math.floor(Math.random() * 1000);
  const pf = laptop.start(cluster.facts.kubectl, cluster.kubectlArgs(['-n', ns, 'port-forward', `pod/${POD}`, `${sshLocalPort}:22`]));
  background.push(pf);
  await pf.waitForOutput(/Forwarding from/, 30_000);
});

afterAll(async () => {
  await Promise.all(background.map((b) => b.stop()));
  rmSync(work, { recursive: true, force: true });
});

describe('the shadow pod', () => {
  it('runs with NET_BIND_SERVICE as its only effective capability, and little memory', async () => {
    const status = await inPod(env.namespace.name, "process.stdout.write(require('fs').readFileSync('/proc/1/status','utf8'))");
    expect(/CapEff:\s+(\w+)/.exec(status)?.[1]).toBe('0000000000000400');
    process.stdout.write(`shadow pod: agent ${/VmRSS:.*/.exec(status)?.[0]}\n`);
  });

  it('ssh -D from the laptop through kubectl port-forward reaches a Service by its DNS name', async () => {
    const socks = sshLocalPort + 1000;
    const ssh = laptop.start('ssh', [...sshArgs(key, sshLocalPort), '-N', '-D', `127.0.0.1:${socks}`, 'root@127.0.0.1']);
    background.push(ssh);
    const body = await waitFor(
      async () => {
        const r = await netnsRun(cluster.facts.laptopNetns, 'curl', [
          '-sS',
          '--max-time',
          '5',
          '--socks5-hostname',
          `127.0.0.1:${socks}`,
          `http://echo.${testNs}/`,
        ]);
        return r.code === 0 && r.stdout;
      },
      { timeoutMs: 30_000, what: 'curl through ssh -D' },
    );
    expect(body).toMatch(/^hello from echo-/);
  });

  it('ssh -R binds port 80 on the pod and leads cluster traffic to the laptop', async () => {
    const laptopHttp = laptop.start(process.execPath, [
      '-e',
      "require('http').createServer((q, s) => s.end('hello from the laptop')).listen(18080, '127.0.0.1')",
    ]);
    background.push(laptopHttp);
    const ssh = laptop.start('ssh', [...sshArgs(key, sshLocalPort), '-N', '-R', '0.0.0.0:80:127.0.0.1:18080', 'root@127.0.0.1']);
    background.push(ssh);
    const body = await waitFor(
      async () => {
        const r = await run('curl', ['-sS', '--max-time', '5', `http://${podIP}:80/`], { timeoutMs: 10_000 });
        return r.code === 0 && r.stdout;
      },
      { timeoutMs: 30_000, what: 'curl to the remote forward' },
    );
    expect(body).toBe('hello from the laptop');
  });

  it('relays UDP to a Service and back over the udp-relay subsystem, carried by OpenSSH (ssh -s)', async () => {
    const echoIP = await cluster.serviceIP(testNs, 'echo');
    const [cmd, args] = laptop.argv('ssh', [...sshArgs(key, sshLocalPort), '-s', 'root@127.0.0.1', UDP_RELAY_SUBSYSTEM]);
    const ssh = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'inherit'] });
    const decoder = new FrameDecoder();
    const reply = new Promise<RelayFrame>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no UDP reply through the relay in 20 s')), 20_000);
      ssh.stdout.on('data', (chunk: Buffer) => {
        const [frame] = decoder.push(chunk);
        if (frame) (clearTimeout(timer), resolve(frame));
      });
    });
    // The datagram may race the connection set-up: resend until the first reply.
    const payload = Buffer.from('ping through the relay');
    const send = setInterval(
      () => ssh.stdin.write(encodeFrame({ kind: FrameKind.Datagram, flow: 1, address: echoIP, port: 9001, payload })),
      1_000,
    );
    try {
      const frame = await reply;
      expect(frame).toMatchObject({ kind: FrameKind.Datagram, flow: 1, address: echoIP, port: 9001 });
      expect(frame.kind === FrameKind.Datagram && frame.payload.toString()).toBe('ping through the relay');
    } finally {
      clearInterval(send);
      ssh.kill();
    }
  });

  it('answers DNS on port 53 by the expansion rules, from the real cluster DNS', async () => {
    const echoIP = await cluster.serviceIP(testNs, 'echo');
    const a = (r: Awaited<ReturnType<typeof dig>>) => r.answers.filter((f) => f[3] === 'A').map((f) => `${f[0]} ${f[4]}`);
    expect(a(await dig(`echo.${testNs}`))).toEqual([`echo.${testNs}. ${echoIP}`]);
    expect(a(await dig(`echo.${testNs}.svc`))).toEqual([`echo.${testNs}.svc. ${echoIP}`]);
    expect(a(await dig('kubernetes.default'))).toEqual(['kubernetes.default. 10.96.0.1']);
    expect(a(await dig(`echo.${testNs}.corp.example`, 'A', ['+tcp']))).toEqual([`echo.${testNs}.corp.example. ${echoIP}`]);
    expect((await dig(`nosuch.${testNs}.svc.cluster.local`)).status).toBe('NXDOMAIN');
    // This CoreDNS serves only cluster.local and answers SERVFAIL for anything else: the failure of the
    // last candidate (the name as is) outranks the NXDOMAIN of `nosuch-service.<ns>.svc.cluster.local`.
    expect((await dig('nosuch-service')).status).toBe('SERVFAIL');
    const srv = await dig(`_http._tcp.echo.${testNs}.svc.cluster.local`, 'SRV');
    expect(srv.answers.some((f) => f[3] === 'SRV' && f[6] === '80')).toBe(true);
    expect(await dig(`echo.${testNs}`, 'AAAA')).toMatchObject({ status: 'NOERROR', answers: [] });
  });

  it('stops promptly on SIGTERM when the pod is deleted', async () => {
    const started = Date.now();
    await cluster.kubectlOk(['-n', env.namespace.name, 'delete', 'pod', POD, '--wait=true', '--timeout=60s'], { timeoutMs: 70_000 });
    // A process ignoring SIGTERM would hold the deletion for the 30 s grace period.
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
