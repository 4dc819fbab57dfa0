// connect's direct path: a TCP connection to a pod IP or a ClusterIP of the connect namespace goes
// straight to a ready pod over its own port-forward, and falls back to the shadow when that fails. Its
// own namespace, so deleting pods here disturbs no other test.
import { randomBytes } from 'node:crypto';
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

beforeAll(async () => {
  await cluster.kubectlOk(['create', 'namespace', ns]);
  await cluster.kubectlOk(['apply', '-f', '-'], { input: workloads() });
  for (const d of ['dweb', 'dpodip'])
    await cluster.kubectlOk(['-n', ns, 'rollout', 'status', `deployment/${d}`, '--timeout=90s'], { timeoutMs: 100_000 });
  connect = await startConnect(laptop, [...args, '-n', ns, '--mode', 'tun2socks', '--debug'], env);
}, 240_000);

afterAll(async () => {
  await connect?.stop(20_000);
  await cluster.kubectl(['delete', 'namespace', ns, '--wait=false']);
});

describe('connect: the direct path', () => {
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
