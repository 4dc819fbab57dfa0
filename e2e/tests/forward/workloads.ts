// Copies of the test cluster's workloads (tools/cluster/manifests/testapps.yaml) in a test file's own
// namespace, so forward/preview tests can delete pods without disturbing kt-e2e.
import type { Cluster } from '../../harness/index.js';

type Obj = Record<string, unknown>;

function testappDeployment(cluster: Cluster, namespace: string, name: string, args: string[], ports: Obj[]): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels: { app: name } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          terminationGracePeriodSeconds: 2,
          containers: [
            {
              name,
              image: cluster.facts.images.testapp,
              imagePullPolicy: 'Never',
              args,
              env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
              ports,
              readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 1 },
              resources: { requests: { cpu: '10m', memory: '16Mi' } },
            },
          ],
        },
      },
    },
  };
}

function service(namespace: string, name: string, ports: Obj[]): Obj {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { selector: { app: name }, ports } };
}

/**
 * `echo` (HTTP 8080, TCP echo 9000, UDP echo 9001; Service with named target ports 80/9000/9001) and
 * `web` (HTTP only, Service port 80 → http), one replica each; waits until both are ready.
 */
export async function deployTestApps(cluster: Cluster, namespace: string): Promise<void> {
  const http = { name: 'http', containerPort: 8080, protocol: 'TCP' };
  const items = [
    testappDeployment(
      cluster,
      namespace,
      'echo',
      ['serve'],
      [http, { name: 'tcp-echo', containerPort: 9000, protocol: 'TCP' }, { name: 'udp-echo', containerPort: 9001, protocol: 'UDP' }],
    ),
    service(namespace, 'echo', [
      { name: 'http', port: 80, protocol: 'TCP', targetPort: 'http' },
      { name: 'tcp-echo', port: 9000, protocol: 'TCP', targetPort: 'tcp-echo' },
      { name: 'udp-echo', port: 9001, protocol: 'UDP', targetPort: 'udp-echo' },
    ]),
    testappDeployment(cluster, namespace, 'web', ['serve', '-tcp=', '-udp='], [http]),
    service(namespace, 'web', [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'http' }]),
  ];
  await cluster.kubectlOk(['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items }) });
  for (const d of ['echo', 'web'])
    await cluster.kubectlOk(['-n', namespace, 'rollout', 'status', `deployment/${d}`, '--timeout=90s'], { timeoutMs: 100_000 });
}

/** Names of the ready, not terminating pods with a label. */
export async function readyPods(cluster: Cluster, namespace: string, selector: string): Promise<string[]> {
  const list = await cluster.getJson<{
    items: { metadata: { name: string; deletionTimestamp?: string }; status: { conditions?: { type: string; status: string }[] } }[];
  }>(['-n', namespace, 'pods', '-l', selector]);
  return list.items
    .filter((p) => !p.metadata.deletionTimestamp && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
    .map((p) => p.metadata.name);
}
