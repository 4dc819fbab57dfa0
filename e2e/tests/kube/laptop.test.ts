// From inside the laptop namespace, which reaches the API server and nothing else of the cluster: our
// port-forward reaches a pod, and the CIDRs discovered there leave the API server out.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useClusterEnv } from '../../harness/index.js';

const env = useClusterEnv(import.meta.filename);
const { cluster, laptop } = env;
const repo = join(import.meta.dirname, '..', '..', '..');

/** True when the IPv4 CIDR contains the address. */
function covers(cidr: string, ip: string): boolean {
  const n = (s: string) => s.split('.').reduce((a, p) => a * 256 + Number(p), 0);
  const [base, bits] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  return Math.floor(n(ip) / size) === Math.floor(n(base!) / size);
}

describe('from the laptop namespace', () => {
  it('forwards to a pod through the API server and discovers routes that spare it', async () => {
    const ns = cluster.facts.testNamespace;
    const [pod] = (await cluster.kubectlOk(['-n', ns, 'get', 'pods', '-l', 'app=echo', '-o', 'name'])).trim().split('\n');
    const podName = pod!.replace('pod/', '');
    const [podIP] = await cluster.podIPs(ns, 'app=echo');
    expect(await laptop.canConnect(podIP!, 8080)).toBe(false);
    const tsx = join(repo, 'node_modules', '.bin', 'tsx');
    const r = await laptop.run(tsx, [join(import.meta.dirname, 'programs', 'forward-get.ts'), cluster.kubeconfig(), ns, podName], {
      timeoutMs: 60_000,
    });
    expect(r.stderr.replace(/npm warn.*\n/g, '')).toBe('');
    expect(r.stdout).toContain(`hello from ${podName}`);
    const cidrs = /^cidrs (.*)$/m.exec(r.stdout)?.[1]?.split(' ') ?? [];
    expect(cidrs.length).toBeGreaterThan(0);
    expect(cidrs.filter((c) => covers(c, cluster.facts.nodeIP))).toEqual([]);
    expect(cidrs.filter((c) => covers(c, podIP!))).toHaveLength(1);
  });
});
