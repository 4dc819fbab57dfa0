// Cluster access as kubectl does it (KUBECONFIG list, the context's namespace, token and exec auth),
// cluster time, and CIDR discovery with and without cluster-wide list rights.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient, discoverClusterCidrs, watchObjects, type WatchEvent } from '@ktctl/kube';
import { useClusterEnv, waitFor } from '../../harness/index.js';

const env = useClusterEnv(import.meta.filename);
const { cluster } = env;
const dir = mkdtempSync(join(tmpdir(), 'kt-e2e-kubeconfig-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let token = '';
let caData = '';

beforeAll(async () => {
  const ns = env.namespace.name;
  await cluster.kubectlOk(['-n', ns, 'create', 'serviceaccount', 'dev']);
  await cluster.kubectlOk(['-n', ns, 'create', 'rolebinding', 'dev-view', '--clusterrole=view', `--serviceaccount=${ns}:dev`]);
  token = (await cluster.kubectlOk(['-n', ns, 'create', 'token', 'dev', '--duration=10m'])).trim();
  caData = /certificate-authority-data: (\S+)/.exec(readFileSync(cluster.kubeconfig(), 'utf8'))![1]!;
});

function writeKubeconfig(name: string, user: string, namespace: string): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    `apiVersion: v1
kind: Config
current-context: ${name}
clusters: [{name: ${name}-cluster, cluster: {server: '${cluster.facts.apiServer}', certificate-authority-data: ${caData}}}]
users: [{name: ${name}-user, user: ${user}}]
contexts: [{name: ${name}, context: {cluster: ${name}-cluster, user: ${name}-user, namespace: ${namespace}}}]
`,
  );
  return path;
}

describe('kubeconfig', () => {
  it('authenticates with a bearer token and uses the context namespace when -n is absent', async () => {
    const file = writeKubeconfig('token', `{token: '${token}'}`, env.namespace.name);
    const kube = KubeClient.fromOptions({ kubeconfig: file });
    expect(kube.namespace).toBe(env.namespace.name);
    const sas = await kube.list<{ metadata: { name: string } }>({
      apiVersion: 'v1',
      resource: 'serviceaccounts',
      namespace: kube.namespace,
    });
    expect(sas.items.map((s) => s.metadata.name)).toContain('dev');
    kube.close();
  });

  it('authenticates through an exec plugin, picked from a KUBECONFIG list (first file wins)', async () => {
    const plugin = join(dir, 'cred.sh');
    writeFileSync(
      plugin,
      `#!/bin/sh\necho '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"${token}"}}'\n`,
    );
    chmodSync(plugin, 0o755);
    const execFile = writeKubeconfig(
      'exec',
      `{exec: {apiVersion: client.authentication.k8s.io/v1, command: ${plugin}, interactiveMode: Never}}`,
      env.namespace.name,
    );
    const kube = KubeClient.fromOptions({ env: { KUBECONFIG: [execFile, cluster.kubeconfig()].join(delimiter) } });
    expect(kube.context).toBe('exec');
    const cms = await kube.list({ apiVersion: 'v1', resource: 'configmaps', namespace: kube.namespace });
    expect(Array.isArray(cms.items)).toBe(true);
    // The view role may not create: the error is one line naming verb, resource and namespace.
    const err = await kube
      .create({ apiVersion: 'v1', resource: 'configmaps', namespace: kube.namespace }, { metadata: { name: 'x' } })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'KT_FORBIDDEN', message: `You may not create configmaps in namespace ${env.namespace.name}` });
    kube.close();
  });

  it('reads cluster time from the API server, close to the host clock here', async () => {
    const kube = KubeClient.fromOptions({ kubeconfig: cluster.kubeconfig() });
    const t = await kube.clusterTime();
    expect(Math.abs(t.getTime() - Date.now())).toBeLessThan(5_000);
    kube.close();
  });
});

describe('discoverClusterCidrs', () => {
  const inside = (ip: string, cidrs: string[]) =>
    cidrs.some((c) => {
      const [base, bits] = c.split('/');
      const n = (s: string) => s.split('.').reduce((a, p) => a * 256 + Number(p), 0);
      const size = 2 ** (32 - Number(bits));
      return Math.floor(n(ip) / size) === Math.floor(n(base!) / size);
    });

  it('covers ClusterIPs and pod IPs cluster-wide, never the API server', async () => {
    const kube = KubeClient.fromOptions({ kubeconfig: cluster.kubeconfig(), namespace: env.namespace.name });
    const found = await discoverClusterCidrs(kube);
    expect(found.serviceScope).toBe('cluster');
    const echoIP = await cluster.serviceIP(cluster.facts.testNamespace, 'echo');
    const [podIP] = await cluster.podIPs(cluster.facts.testNamespace, 'app=echo');
    expect(inside(echoIP, found.cidrs)).toBe(true);
    expect(inside(podIP!, found.cidrs)).toBe(true);
    expect(inside(cluster.facts.nodeIP, found.cidrs)).toBe(false);
    const noPods = await discoverClusterCidrs(kube, { disablePodIp: true, includeIps: ['172.31.0.0/16'], excludeIps: [`${echoIP}/32`] });
    expect(inside(podIP!, noPods.cidrs)).toBe(false);
    expect(inside(echoIP, noPods.cidrs)).toBe(false);
    expect(noPods.cidrs).toContain('172.31.0.0/16');
    kube.close();
  });

  it('falls back to the namespace when cluster-wide listing is forbidden', async () => {
    await env.namespace.grantRestricted();
    await cluster.kubectlOk(['-n', env.namespace.name, 'create', 'service', 'clusterip', 'probe', '--tcp=80:80']);
    const ip = await cluster.serviceIP(env.namespace.name, 'probe');
    const kube = KubeClient.fromOptions({ kubeconfig: cluster.kubeconfig('restricted'), namespace: env.namespace.name });
    const found = await discoverClusterCidrs(kube);
    expect(found).toMatchObject({ serviceScope: 'namespace', podScope: 'namespace', serviceIps: [ip] });
    expect(inside(ip, found.cidrs)).toBe(true);
    kube.close();
  });
});

describe('watchObjects', () => {
  it('lists, then streams additions, changes and deletions until stopped', async () => {
    const ns = env.namespace.name;
    await cluster.kubectlOk(['-n', ns, 'create', 'configmap', 'before', '--from-literal=a=1']);
    const kube = KubeClient.fromOptions({ kubeconfig: cluster.kubeconfig(), namespace: ns });
    const seen: string[] = [];
    const stop = new AbortController();
    const done = watchObjects<{ metadata: { name: string; resourceVersion?: string } }>(
      kube,
      { apiVersion: 'v1', resource: 'configmaps', namespace: ns },
      {
        query: 'labelSelector=' + encodeURIComponent('kt-watch=yes'),
        onEvent: (e: WatchEvent<{ metadata: { name: string } }>) => seen.push(`${e.type} ${e.object.metadata.name}`),
        signal: stop.signal,
      },
    );
    await cluster.kubectlOk(['-n', ns, 'label', 'configmap', 'before', 'kt-watch=yes']);
    await cluster.kubectlOk(['-n', ns, 'create', 'configmap', 'during', '--from-literal=a=1']);
    await cluster.kubectlOk(['-n', ns, 'label', 'configmap', 'during', 'kt-watch=yes']);
    await cluster.kubectlOk(['-n', ns, 'annotate', 'configmap', 'during', 'x=y']);
    await cluster.kubectlOk(['-n', ns, 'delete', 'configmap', 'during']);
    await waitFor(() => seen.includes('DELETED during'), { timeoutMs: 15_000, what: 'the deletion event' });
    stop.abort();
    await done;
    expect(seen).toEqual(['ADDED before', 'ADDED during', 'MODIFIED during', 'DELETED during']);
    kube.close();
  });
});
