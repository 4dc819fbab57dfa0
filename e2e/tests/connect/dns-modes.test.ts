// The other DNS modes of connect: hosts (Services written to the hosts file, kept current) and podDNS
// (every name resolved by the cluster), each leaving the laptop as it was. In the default --mode.
import { afterEach, describe, expect, it } from 'vitest';
import { type Background, useClusterEnv, waitFor } from '../../harness/index.js';
import { ktctlEnv, laptopState, startConnect } from './ktctl.js';

const { cluster, laptop } = useClusterEnv(import.meta.filename);
const ns = cluster.facts.testNamespace;
let connect: Background | undefined;

afterEach(async () => {
  await connect?.stop(20_000);
  connect = undefined;
});

const hostsBlock = async () => (await laptop.run('cat', ['/etc/hosts'])).stdout;

describe('connect --dnsMode hosts', () => {
  it('writes the Services into the hosts file, follows a new one, and removes the block on exit', async () => {
    const { args, env } = ktctlEnv(cluster);
    const before = await laptopState(laptop);
    connect = await startConnect(laptop, [...args, '-n', ns, '--dnsMode', 'hosts'], env);
    const echoIP = await cluster.serviceIP(ns, 'echo');
    const hosts = await hostsBlock();
    expect(hosts).toContain('# Kt Hosts Begin');
    expect(hosts).toMatch(
      new RegExp(`^${echoIP.replace(/\./g, '\\.')}\\s.*\\becho\\b.*\\becho\\.${ns}\\b.*echo\\.${ns}\\.svc\\.cluster\\.local`, 'm'),
    );
    expect((await laptop.curl(`http://echo.${ns}/`, [], 10)).stdout).toMatch(/^hello from echo-/);
    await cluster.kubectlOk(['-n', ns, 'create', 'service', 'clusterip', 'kt-hosts-probe', '--tcp=80:8080']);
    try {
      await waitFor(async () => (await hostsBlock()).includes(`kt-hosts-probe.${ns}`), {
        timeoutMs: 30_000,
        what: 'the new Service in the hosts file',
      });
    } finally {
      await cluster.kubectlOk(['-n', ns, 'delete', 'service', 'kt-hosts-probe']);
    }
    await connect.stop(20_000);
    connect = undefined;
    expect(await laptopState(laptop)).toEqual(before);
  });
});

describe('connect --dnsMode podDNS', () => {
  it('resolves cluster names by the cluster alone', async () => {
    const { args, env } = ktctlEnv(cluster);
    connect = await startConnect(laptop, [...args, '-n', ns, '--dnsMode', 'podDNS'], env);
    const dig = await laptop.run('dig', ['+short', `web.${ns}.svc.cluster.local`]);
    expect(dig.stdout.trim()).toBe(await cluster.serviceIP(ns, 'web'));
    expect((await laptop.curl('http://web/', [], 10)).stdout).toMatch(/^hello from web-/);
  });
});
