// What the mesh tests share: a Service `app` whose pods speak HTTP, WebSocket and gRPC (the test app), an
// in-cluster client that calls it with or without a header, a laptop-side copy of the same app per
// developer (its answers name the developer), and starting/ending `ktctl mesh` as a given user.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import {
  runOk,
  startBackground,
  useClusterEnv,
  waitFor,
  type Background,
  type Cluster,
  type ClusterEnv,
  type Laptop,
} from '../../harness/index.js';
import { KTCTL } from '../connect/ktctl.js';
import { workloads } from './workloads.js';

const IMAGE_SCRIPT = fileURLToPath(new URL('./testapp-image.sh', import.meta.url));
/** The test app binary the image script builds; the laptop runs the same program. */
export const TESTAPP = fileURLToPath(new URL('../../../.cache/e2e/testapp-mesh/testapp', import.meta.url));

/** A call from the client pod, bounded; its stdout (stderr appended on failure), never throws. */
async function fromClient(cluster: Cluster, ns: string, args: string[]): Promise<string> {
  const r = await cluster.kubectl(['-n', ns, 'exec', 'deploy/client', '--', ...args], { timeoutMs: 20_000 });
  return r.code === 0 ? r.stdout.trim() : `failed (${r.code}): ${r.stdout.trim()} ${r.stderr.trim()}`;
}

const headerArgs = (header?: string) => (header ? ['--header', header.replace(': ', '=')] : []);

/** Who answered a plain HTTP GET (the test app's `hello from <pod>`), with an optional `key: value` header. */
export async function httpWho(cluster: Cluster, ns: string, header?: string): Promise<string> {
  // busybox's static wget crashes resolving names, so: its nslookup (cluster DNS), then the request over nc,
  // HTTP/1.1 as curl sends it; stdin stays open a moment, as curl's socket does, instead of half-closing.
  const request = `GET / HTTP/1.1\\r\\nHost: app\\r\\n${header ? `${header}\\r\\n` : ''}Connection: close\\r\\n\\r\\n`;
  const script = `ip=$(nslookup app 2>/dev/null | awk '/^Address/ {a=$NF} END {print a}'); (printf '${request}'; sleep 1) | nc -w 3 $ip 80 2>/dev/null | tail -n 1`;
  return fromClient(cluster, ns, ['sh', '-c', script]);
}

/** Who answered a WebSocket echo (`ws-call` prints each reply). */
export function wsWho(cluster: Cluster, ns: string, header?: string): Promise<string> {
  return fromClient(cluster, ns, ['/testapp', 'ws-call', 'ws://app:80/ws', ...headerArgs(header), 'ping']);
}

/** One gRPC unary and one server-streaming call (3 replies), one line each with `pod=<who>`. */
export function grpcWho(cluster: Cluster, ns: string, header?: string): Promise<string> {
  return fromClient(cluster, ns, ['/testapp', 'grpc-call', 'app:9090', ...headerArgs(header), '--text', 'hi']);
}

/** Waits until a call answers matching `re`; returns the last answer. */
export async function waitAnswer(call: () => Promise<string>, re: RegExp, timeoutMs = 60_000): Promise<string> {
  let last = '';
  await waitFor(async () => re.test((last = await call())), {
    timeoutMs,
    intervalMs: 500,
    what: `an answer matching ${re} (last: ${last})`,
  });
  return last;
}

/** The developer's program on the laptop: the test app on two local ports, answering as `laptop-<user>`. */
export async function startLaptopApp(laptop: Laptop, user: string, httpPort: number, grpcPort: number): Promise<Background> {
  await laptop.run('ip', ['link', 'set', 'lo', 'up']);
  const [cmd, argv] = laptop.argv('env', [
    `POD_NAME=laptop-${user}`,
    TESTAPP,
    'serve',
    `-http=127.0.0.1:${httpPort}`,
    `-grpc=127.0.0.1:${grpcPort}`,
    '-tcp=',
    '-udp=',
  ]);
  const app = startBackground(cmd, argv);
  await waitFor(async () => laptop.canConnect('127.0.0.1', httpPort, 1), { timeoutMs: 10_000, what: `the laptop app of ${user}` });
  return app;
}

/** Starts `ktctl mesh ...` as `user` and waits until it is ready. */
export async function startMesh(laptop: Laptop, args: readonly string[], env: NodeJS.ProcessEnv, user: string): Promise<Background> {
  const [cmd, argv] = laptop.argv('env', [
    ...Object.entries({ ...env, USER: user }).map(([k, v]) => `${k}=${v ?? ''}`),
    KTCTL,
    'mesh',
    ...args,
  ]);
  const run = startBackground(cmd, argv);
  await run.waitForOutput(/Press Ctrl-C to end the mesh|error:|\[KT_/, 150_000);
  if (!/Press Ctrl-C/.test(run.output())) throw new Error(`ktctl mesh did not start:\n${run.output()}`);
  return run;
}

/** Ctrl-C, then waits for ktctl to finish leaving. */
export async function endMesh(run: Background): Promise<void> {
  try {
    process.kill(run.pid, 'SIGINT');
  } catch {
    return; // ended already (the finally of a test that got that far)
  }
  await run.waitForOutput(/Left the mesh of|removed$|error/m, 90_000).catch(() => undefined);
  await run.stop(30_000);
}

/** The Service as kubectl returns it, without the fields the API server changes on every write. */
export async function serviceObject(cluster: Cluster, ns: string, name: string): Promise<Record<string, any>> {
  const svc = await cluster.getJson(['-n', ns, 'service', name]);
  delete svc.metadata.resourceVersion;
  delete svc.metadata.managedFields;
  return svc;
}

/** ktctl's objects in the namespace (`kind/name`). */
export async function ktMade(cluster: Cluster, ns: string): Promise<string[]> {
  const out = await cluster.kubectlOk(['-n', ns, 'get', 'pods,configmaps,deployments,services', '-l', 'control-by=kt', '-o', 'name']);
  return out.split('\n').filter(Boolean).sort();
}

/** Waits (bounded) until nothing ktctl made is left. */
export async function waitNoneMade(cluster: Cluster, ns: string): Promise<void> {
  let left: string[] = [];
  await waitFor(async () => (left = await ktMade(cluster, ns)).length === 0, {
    timeoutMs: 40_000,
    what: `ktctl's objects to go (left: ${left.join(', ')})`,
  });
}

/** The router's stored rules. */
export async function routerRules(
  cluster: Cluster,
  ns: string,
): Promise<{ generation: number; routes: { header: string; value: string; backend: string; user: string }[] }> {
  const pod = await cluster.getJson(['-n', ns, 'pod', 'app-kt-router']);
  return JSON.parse(pod.metadata.annotations['kt-router-rules']);
}

/** Free-looking local ports for one developer's app (the laptop namespace is shared with other tests). */
export function appPorts(): [number, number] {
  const base = 30_000 + 2 * Math.floor(Math.random() * 10_000);
  return [base, base + 1];
}

/** A mesh test file's setup: its namespace with the workloads (built test app image). */
export function useMeshFile(testFile: string): { env: ClusterEnv; cluster: Cluster; laptop: Laptop; ns(): string } {
  const env = useClusterEnv(testFile);
  beforeAll(async () => {
    const image = (await runOk('bash', [IMAGE_SCRIPT], { timeoutMs: 240_000 })).trim().split('\n').pop()!;
    const ns = env.namespace.name;
    await env.cluster.kubectlOk(['apply', '-f', '-'], { input: workloads(ns, image) });
    for (const d of ['app', 'client'])
      await env.cluster.kubectlOk(['-n', ns, 'rollout', 'status', `deployment/${d}`, '--timeout=90s'], { timeoutMs: 100_000 });
  });
  afterAll(() => undefined);
  return { env, cluster: env.cluster, laptop: env.laptop, ns: () => env.namespace.name };
}
