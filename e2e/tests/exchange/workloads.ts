// Copies of the test workloads for one test file's namespace, so exchanges never disturb kt-e2e, plus
// a client pod that calls the Services from inside the cluster and a laptop-side server.
import { afterAll, beforeAll } from 'vitest';
import { useClusterEnv, type Background, type Cluster, type ClusterEnv, type Laptop } from '../../harness/index.js';
import { waitFor } from '../../harness/wait.js';

/** echo (1 replica; http, tcp-echo and udp-echo, named target ports), web (2 replicas, port 80 → http) and a client. */
export function workloads(namespace: string, image: string): string {
  const container = (name: string, args: string[], ports: object[]) => ({
    name,
    image,
    imagePullPolicy: 'Never',
    args,
    env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
    ports,
    resources: { requests: { cpu: '10m', memory: '16Mi' } },
  });
  const deployment = (name: string, replicas: number, args: string[], ports: object[], probe = true) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [
            {
              ...container(name, args, ports),
              ...(probe ? { readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 1 } } : {}),
            },
          ],
        },
      },
    },
  });
  const http = { name: 'http', containerPort: 8080, protocol: 'TCP' };
  return [
    deployment(
      'echo',
      1,
      ['serve'],
      [http, { name: 'tcp-echo', containerPort: 9000, protocol: 'TCP' }, { name: 'udp-echo', containerPort: 9001, protocol: 'UDP' }],
    ),
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'echo', namespace, annotations: { 'team.example/owner': 'payments' } },
      spec: {
        selector: { app: 'echo' },
        ports: [
          { name: 'http', port: 80, protocol: 'TCP', targetPort: 'http' },
          { name: 'tcp-echo', port: 9000, protocol: 'TCP', targetPort: 'tcp-echo' },
          { name: 'udp-echo', port: 9001, protocol: 'UDP', targetPort: 'udp-echo' },
        ],
      },
    },
    deployment('web', 2, ['serve', '-tcp=', '-udp='], [http]),
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace },
      spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'http' }] },
    },
    deployment('client', 1, ['serve', '-tcp=', '-udp='], [http]),
  ]
    .map((o) => JSON.stringify(o))
    .join('\n');
}

/** Creates the workloads and waits until every Deployment is ready. */
export async function deployWorkloads(cluster: Cluster, namespace: string): Promise<void> {
  await cluster.kubectlOk(['apply', '-f', '-'], { input: workloads(namespace, cluster.facts.images.testapp) });
  for (const d of ['echo', 'web', 'client'])
    await cluster.kubectlOk(['-n', namespace, 'rollout', 'status', `deployment/${d}`, '--timeout=90s'], { timeoutMs: 100_000 });
}

// The image's static busybox crashes resolving names through libc, so the name is resolved with its
// nslookup (the cluster DNS, as any pod would) and the call made to the address it returns.
function byName(host: string, command: (ip: string) => string): string {
  return `ip=$(nslookup ${host} 2>/dev/null | awk '/^Address/ {a=$NF} END {print a}'); ${command('$ip')}`;
}

/** From the client pod: an HTTP/1.0 GET of http://<host>:<port><path> over busybox nc (its wget crashes too); the raw answer, or ''. */
export async function httpFromPod(cluster: Cluster, namespace: string, host: string, port: number, path = '/'): Promise<string> {
  const script = byName(host, (ip) => `printf 'GET ${path} HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${ip} ${port} 2>/dev/null`);
  const r = await cluster.kubectl(['-n', namespace, 'exec', 'deploy/client', '--', 'sh', '-c', script], { timeoutMs: 15_000 });
  return r.stdout.trim();
}

/** From the client pod: send a line over TCP (busybox nc) and return what came back. */
export async function tcpFromPod(cluster: Cluster, namespace: string, host: string, port: number, line: string): Promise<string> {
  const r = await cluster.kubectl(
    ['-n', namespace, 'exec', 'deploy/client', '--', 'sh', '-c', byName(host, (ip) => `echo ${line} | nc -w 2 ${ip} ${port} 2>/dev/null`)],
    { timeoutMs: 15_000 },
  );
  return r.stdout.trim();
}

/** Waits until an HTTP call from the client pod answers with something matching `re`. */
export async function waitForHttp(
  cluster: Cluster,
  namespace: string,
  host: string,
  port: number,
  re: RegExp,
  timeoutMs = 30_000,
): Promise<string> {
  let last = '';
  await waitFor(async () => re.test((last = await httpFromPod(cluster, namespace, host, port))), {
    timeoutMs,
    what: `http://${host}:${port}/ answering ${re} (last: ${last})`,
  });
  return last;
}

/**
 * A server in the laptop namespace on 127.0.0.1: HTTP on `httpPort` answering `laptop:<path>`, and a TCP
 * server on `tcpPort` answering `laptop-tcp:<line>` (the developer's program during an exchange).
 */
export async function startLaptopServer(laptop: Laptop, httpPort: number, tcpPort: number): Promise<Background> {
  const script = `
    const http = require('node:http'), net = require('node:net');
    http.createServer((q, s) => { const body = 'laptop:' + q.url; s.writeHead(200, { 'content-length': Buffer.byteLength(body) }); s.end(body); }).listen(${httpPort}, '127.0.0.1');
    net.createServer((c) => c.once('data', (d) => c.end('laptop-tcp:' + d.toString().trim() + '\\n'))).listen(${tcpPort}, '127.0.0.1', () => console.log('listening'));`;
  await laptop.run('ip', ['link', 'set', 'lo', 'up']);
  const server = laptop.start(process.execPath, ['-e', script]);
  await server.waitForOutput(/listening/, 10_000);
  return server;
}

/** A Service as kubectl returns it, without the fields the API server changes on every write. */
export async function serviceObject(cluster: Cluster, namespace: string, name: string): Promise<Record<string, any>> {
  const svc = await cluster.getJson(['-n', namespace, 'service', name]);
  delete svc.metadata.resourceVersion;
  delete svc.metadata.managedFields;
  return svc;
}

/** Two free-looking ports for the laptop server (the laptop namespace is shared with other tests). */
export function laptopPorts(): [number, number] {
  const base = 20_000 + 2 * Math.floor(Math.random() * 4_000);
  return [base, base + 1];
}

/**
 * An exchange test file's setup: its namespace with the workloads, and a laptop server on two free ports
 * (HTTP, TCP echo) for the file's lifetime. `ns()` is valid from the file's first hook on.
 */
export function useExchangeFile(testFile: string): {
  env: ClusterEnv;
  cluster: Cluster;
  laptop: Laptop;
  httpPort: number;
  tcpPort: number;
  ns(): string;
} {
  const env = useClusterEnv(testFile);
  const [httpPort, tcpPort] = laptopPorts();
  let server: Background | undefined;
  beforeAll(async () => {
    await deployWorkloads(env.cluster, env.namespace.name);
    server = await startLaptopServer(env.laptop, httpPort, tcpPort);
  });
  afterAll(async () => {
    await server?.stop();
  });
  return { env, cluster: env.cluster, laptop: env.laptop, httpPort, tcpPort, ns: () => env.namespace.name };
}
