// connect's direct path: a TCP connection to a pod IP or a ClusterIP of the connect namespace goes
// straight to a ready pod over its own port-forward, and falls back to the shadow when that fails. Its
// own namespace, so deleting pods here disturbs no other test.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Background, useClusterEnv, waitFor } from '../../harness/index.js';
import { ktctlEnv, startConnect } from '../connect/ktctl.js';

const { cluster, laptop } = useClusterEnv(import.meta.filename);
const ns = `kt-e2e-direct-${randomBytes(3).toString('hex')}`;
const { args, env } = ktctlEnv(cluster);
let connect: Background | undefined;

/** `dweb`: a testapp on 0.0.0.0:8080 behind a Service; `dpodip`: one serving on its pod IP only. */
function workloads(): string {
  const env = [
    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
  ];
  const deployment = (name: string, serveArgs: string[]) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [
            {
              name,
              image: cluster.facts.images.testapp,
              imagePullPolicy: 'Never',
              args: ['serve', ...serveArgs, '-tcp=', '-udp='],
              env,
              ports: [{ name: 'http', containerPort: 8080 }],
              readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 },
            },
          ],
        },
      },
    },
  });
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'dweb', namespace: ns },
    spec: { selector: { app: 'dweb' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
  };
  return [deployment('dweb', []), deployment('dpodip', ['-http=$(POD_IP):8080']), service].map((o) => JSON.stringify(o)).join('\n');
}

const curl = async (url: string, extra: string[] = []) => (await laptop.curl(url, extra, 10)).stdout;
const podNames = async (app: string) =>
  (
    await cluster.kubectlOk([
      '-n',
      ns,
      'get',
      'pods',
      '-l',
      `app=${app}`,
      '--field-selector=status.phase=Running',
      '-o',
      'jsonpath={.items[*].metadata.name}',
    ])
  )
    .split(' ')
    .filter(Boolean);

/**
 * The host PIDs of a pod's container processes (the cluster's containerd runs on this machine, in the
 * host's PID namespace): the ones whose environment names the pod.
 */
function containerPids(pod: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(`POD_NAME=${pod}`);
      } catch {
        return false; // gone, or a kernel thread
      }
    })
    .map(Number);
}

const restartCount = async (pod: string) =>
  ((await cluster.getJson(['-n', ns, 'pod', pod])).status.containerStatuses?.[0]?.restartCount as number | undefined) ?? 0;
/** How many connections went direct (to `to`, if given) so far, by connect's --debug lines. */
const directLines = (to = '') =>
  connect!
    .output()
    .split('\n')
    .filter((l) => l.includes(`direct path: ${to}`) && l.includes(' → pod ')).length;

beforeAll(async () => {
  await cluster.kubectlOk(['create', 'namespace', ns]);
  await cluster.kubectlOk(['apply', '-f', '-'], { input: workloads() });
  for (const d of ['dweb', 'dpodip'])
    await cluster.kubectlOk(['-n', ns, 'rollout', 'status', `deployment/${d}`, '--timeout=90s'], { timeoutMs: 100_000 });
}, 240_000);

afterAll(async () => {
  await connect?.stop(20_000);
  await cluster.kubectl(['delete', 'namespace', ns, '--wait=false']);
});

describe('connect: the direct path', () => {
  beforeAll(async () => {
    connect = await startConnect(laptop, [...args, '-n', ns, '--mode', 'tun2socks', '--debug'], env);
  }, 180_000);
  afterAll(async () => {
    await connect?.stop(20_000);
    connect = undefined;
  }, 30_000);

  it('port-forwards a pod IP and a ClusterIP straight to the pod', async () => {
    const [podIP] = await cluster.podIPs(ns, 'app=dweb');
    const [pod] = await podNames('dweb');
    expect((await curl(`http://${podIP}:8080/bytes/300000`)).length).toBe(300_000);
    expect(await curl(`http://${await cluster.serviceIP(ns, 'dweb')}/`)).toMatch(new RegExp(`^hello from ${pod}`));
    expect(connect!.output()).toMatch(new RegExp(`direct path: ${podIP!.replaceAll('.', '\\.')}:8080 → pod ${pod}:8080`));
  });

  it("falls back to the shadow for a port the pod's loopback does not serve", async () => {
    const [podIP] = await cluster.podIPs(ns, 'app=dpodip');
    const [pod] = await podNames('dpodip');
    expect(await curl(`http://${podIP}:8080/`)).toMatch(new RegExp(`^hello from ${pod}`));
    expect(connect!.output()).toMatch(new RegExp(`direct path to ${pod}:8080 failed`));
  });

  it('cuts a transfer whose container restarts in the same pod (no hang), and goes direct again once it is ready', async () => {
    const [podIP] = await cluster.podIPs(ns, 'app=dweb');
    const [pod] = await podNames('dweb');
    const before = await restartCount(pod!);
    const earlier = directLines(`${podIP}:8080 → pod ${pod}:8080`);
    const transfer = laptop.curl(`http://${podIP}:8080/bytes/400000000`, ['--limit-rate', '10M', '-o', '/dev/null'], 60);
    await waitFor(() => directLines(`${podIP}:8080 → pod ${pod}:8080`) > earlier, {
      timeoutMs: 10_000,
      what: 'the transfer on the direct path',
    });
    await new Promise((r) => setTimeout(r, 1_000));
    const pids = containerPids(pod!);
    expect(pids.length).toBeGreaterThan(0);
    for (const pid of pids) process.kill(pid, 'SIGKILL');
    const started = Date.now();
    const result = await transfer;
    expect(result.code).not.toBe(0);
    expect(Date.now() - started).toBeLessThan(20_000);
    await waitFor(async () => (await restartCount(pod!)) > before, { timeoutMs: 60_000, what: 'the container restart to be counted' });
    await cluster.kubectlOk(['-n', ns, 'wait', `pod/${pod}`, '--for=condition=Ready', '--timeout=60s'], { timeoutMs: 70_000 });
    // Same pod, same IP: once the pod watch says it is ready again, a new connection goes direct to it.
    const direct = directLines(`${podIP}:8080 → pod ${pod}:8080`);
    await waitFor(
      async () =>
        (await curl(`http://${podIP}:8080/`).catch(() => '')).startsWith(`hello from ${pod}`) &&
        directLines(`${podIP}:8080 → pod ${pod}:8080`) > direct,
      { timeoutMs: 30_000, what: 'a direct connection to the restarted container' },
    );
    expect((await curl(`http://${podIP}:8080/bytes/300000`)).length).toBe(300_000);
  }, 180_000);

  it('cuts a transfer whose pod goes away (no hang), and follows the Service to its new endpoint', async () => {
    const [podIP] = await cluster.podIPs(ns, 'app=dweb');
    const [old] = await podNames('dweb');
    const transfer = laptop.curl(`http://${podIP}:8080/bytes/400000000`, ['--limit-rate', '10M', '-o', '/dev/null'], 60);
    await new Promise((r) => setTimeout(r, 1_500));
    await cluster.kubectlOk(['-n', ns, 'delete', 'pod', old!, '--wait=false']);
    const started = Date.now();
    const result = await transfer;
    expect(result.code).not.toBe(0);
    expect(Date.now() - started).toBeLessThan(30_000);
    await cluster.kubectlOk(['-n', ns, 'rollout', 'status', 'deployment/dweb', '--timeout=90s'], { timeoutMs: 100_000 });
    const serviceIP = await cluster.serviceIP(ns, 'dweb');
    const answeredByNewPod = async () => {
      const text = await curl(`http://${serviceIP}/`).catch(() => '');
      return text.startsWith('hello from dweb-') && !text.includes(old!);
    };
    await waitFor(answeredByNewPod, { timeoutMs: 30_000, what: 'the Service answering from its new pod' });
    const [fresh] = await podNames('dweb');
    expect(await curl(`http://${serviceIP}/`)).toMatch(new RegExp(`^hello from ${fresh}`));
    expect(connect!.output()).toMatch(new RegExp(`→ pod ${fresh}:8080`));
  }, 180_000);
});

/** A Role for the restricted developer in this namespace: what connect needs, and port-forward to any pod (narrowed below). */
function developerRole(portForwardTo?: string): string {
  const read = ['get', 'list', 'watch'];
  const role = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'kt-e2e-direct-developer', namespace: ns },
    rules: [
      { apiGroups: [''], resources: ['pods', 'configmaps'], verbs: [...read, 'create', 'patch', 'update', 'delete'] },
      { apiGroups: ['', 'discovery.k8s.io'], resources: ['services', 'endpoints', 'endpointslices', 'events', 'pods/log'], verbs: read },
      {
        apiGroups: [''],
        resources: ['pods/portforward'],
        verbs: ['get', 'create'],
        ...(portForwardTo ? { resourceNames: [portForwardTo] } : {}),
      },
    ],
  };
  const binding = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'kt-e2e-direct-developer', namespace: ns },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.metadata.name },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: cluster.facts.restrictedUser }],
  };
  return [role, binding].map((o) => JSON.stringify(o)).join('\n');
}

describe('connect: the direct path where port-forward to pods is forbidden', () => {
  const restricted = ktctlEnv(cluster, 'restricted');
  beforeAll(async () => {
    await cluster.kubectlOk(['apply', '-f', '-'], { input: developerRole() });
    connect = await startConnect(laptop, [...restricted.args, '-n', ns, '--mode', 'tun2socks', '--debug'], restricted.env);
  }, 180_000);

  it('falls back to the shadow once pods/portforward is allowed on the shadow pod only, and remembers it', async () => {
    const [podIP] = await cluster.podIPs(ns, 'app=dweb');
    const [pod] = await podNames('dweb');
    const serviceIP = await cluster.serviceIP(ns, 'dweb');
    expect(await curl(`http://${podIP}:8080/`)).toMatch(new RegExp(`^hello from ${pod}`));
    expect(directLines(`${podIP}:8080 → pod ${pod}:8080`)).toBe(1);
    // A developer whose port-forward is limited to the shadow pod (RBAC resourceNames), as some clusters grant it.
    const shadow = (
      await cluster.kubectlOk(['-n', ns, 'get', 'pods', '-l', 'kt-role=shadow-connect', '-o', 'jsonpath={.items[0].metadata.name}'])
    ).trim();
    expect(shadow).toMatch(/^kt-connect-shadow-/);
    await cluster.kubectlOk(['apply', '-f', '-'], { input: developerRole(shadow) });
    const forbidden = /direct path to \S+ failed \(no pods\/portforward in namespace \S+; the shadow carries its connections\)/;
    await waitFor(
      async () =>
        (await curl(`http://${podIP}:8080/`).catch(() => '')).startsWith(`hello from ${pod}`) && forbidden.test(connect!.output()),
      { timeoutMs: 30_000, what: 'the forbidden port-forward to be noticed' },
    );
    const direct = directLines();
    for (const url of [`http://${podIP}:8080/`, `http://${serviceIP}/`, `http://${podIP}:8080/`])
      expect(await curl(url)).toMatch(new RegExp(`^hello from ${pod}`));
    expect((await curl(`http://${serviceIP}/bytes/300000`)).length).toBe(300_000);
    // Remembered: no further port-forward to a pod was tried, and the refusal was logged once.
    expect(directLines()).toBe(direct);
    expect(connect!.output().match(new RegExp(forbidden.source, 'g'))).toHaveLength(1);
  }, 120_000);
});
