// `sudo ktctl connect` from the laptop namespace, in each mode (tun2socks: TUN device and userspace stack;
// sshuttle: kernel redirect): pod IPs, ClusterIPs and cluster names work while it runs (and external names
// keep resolving), and after it stops the laptop is as before.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Background, useClusterEnv, waitFor } from '../../harness/index.js';
import { CONNECT_MODES, ktObjects, ktctlEnv, laptopState, startConnect, startLaptopUpstream } from './ktctl.js';

const { cluster, laptop } = useClusterEnv(import.meta.filename);
const ns = cluster.facts.testNamespace;
const { args, env } = ktctlEnv(cluster);
let upstream: { stop(): Promise<void> };

beforeAll(async () => {
  upstream = await startLaptopUpstream(laptop);
});

afterAll(async () => {
  await upstream?.stop();
});

const curl = async (url: string, extra: string[] = []) => (await laptop.curl(url, extra, 10)).stdout;

describe.each(CONNECT_MODES)('connect --mode %s', (mode) => {
  let before: Record<string, string>;
  let connect: Background | undefined;

  beforeAll(async () => {
    before = await laptopState(laptop);
    connect = await startConnect(laptop, [...args, '-n', ns, '--mode', mode], env);
  }, 180_000);

  afterAll(async () => {
    await connect?.stop(20_000);
  });

  it('reaches a ClusterIP and a pod IP', async () => {
    expect(await curl(`http://${await cluster.serviceIP(ns, 'echo')}/`)).toMatch(/^hello from echo-/);
    const [podIP] = await cluster.podIPs(ns, 'app=web');
    expect((await curl(`http://${podIP}:8080/bytes/100000`)).length).toBe(100_000);
  });

  it('resolves a short name, svc.ns and the FQDN', async () => {
    for (const name of ['echo', `echo.${ns}`, `echo.${ns}.svc.cluster.local`])
      expect(await curl(`http://${name}/`)).toMatch(/^hello from echo-/);
    const dig = await laptop.run('dig', ['+short', `web.${ns}.svc.cluster.local`]);
    expect(dig.stdout.trim()).toBe(await cluster.serviceIP(ns, 'web'));
  });

  it('resolves a headless Service to its pod and reaches every port of a multi-port Service', async () => {
    const [echoPod] = await cluster.podIPs(ns, 'app=echo');
    expect((await laptop.run('dig', ['+short', `echo-headless.${ns}`])).stdout.trim()).toBe(echoPod);
    expect(await curl(`http://echo-headless.${ns}:8080/`)).toMatch(/^hello from echo-/);
    const tcp = await laptop.run('bash', ['-c', `exec 3<>/dev/tcp/echo.${ns}/9000; printf ping >&3; timeout 5 head -c 4 <&3`], {
      timeoutMs: 15_000,
    });
    expect(tcp.stdout).toBe('ping');
  });

  it('keeps resolving external names through the laptop upstream', async () => {
    expect((await laptop.run('dig', ['+short', 'www.example.test'])).stdout.trim()).toBe('192.0.2.10');
  });

  it('serves the SOCKS5 and the HTTP CONNECT proxy too', async () => {
    expect(await curl(`http://echo.${ns}/`, ['--socks5-hostname', '127.0.0.1:2223'])).toMatch(/^hello from echo-/);
    expect(await curl(`http://echo.${ns}/`, ['-p', '-x', 'http://127.0.0.1:2223'])).toMatch(/^hello from echo-/);
  });

  it('comes back by itself when the shadow pod is deleted', async () => {
    const [pod] = (await ktObjects(cluster, ns)).filter((o) => o.startsWith('pod/'));
    await cluster.kubectlOk(['-n', ns, 'delete', pod!, '--wait=false']);
    await connect!.waitForOutput(/reconnecting/, 60_000);
    await waitFor(async () => /^hello from echo-/.test(await curl(`http://echo.${ns}/`)), {
      timeoutMs: 90_000,
      intervalMs: 2_000,
      what: 'the tunnel to come back',
    });
  });

  it('leaves the laptop and the cluster as they were after SIGTERM', async () => {
    await connect!.stop(30_000);
    connect = undefined;
    expect(await laptopState(laptop)).toEqual(before);
    await waitFor(async () => (await ktObjects(cluster, ns)).length === 0, {
      timeoutMs: 30_000,
      what: 'the shadow pod and ConfigMap to go',
    });
  });
});
