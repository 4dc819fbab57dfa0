// `npm run bench -- mesh`: the mesh router's cost. An in-cluster client calls a Service meshed by
// `ktctl mesh` without the header, so every request crosses the router to the stuntman pods, side by side
// with the same client calling the same pods directly (the `<svc>-kt-stuntman` Service), interleaved in
// one run: HTTP/1.1 keep-alive (sequential, and 16 connections) and HTTP/2 (gRPC unary, sequential, and
// 16 streams on one session) — requests per second and p50/p99 — plus the router pod's RSS and CPU per
// request. The client is a pod of the shadow image running tools/bench/load/requests.mjs with its node;
// the pods are the mesh e2e's test app (HTTP on 8080, a gRPC echo on 9090). Needs root and the local test
// cluster; every step bounded. KT_BENCH_PREFIX names the namespace's prefix (default kt-bench).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { clusterFacts, sh, startInLaptop, stop, waitForOutput, type ClusterFacts } from './proc.js';
import { clientPod } from './reverse.js';
import { quantile, saveResult, table, type Row } from '@ktctl/testkit';

const REPEAT = 3;
const SECONDS = 4;
const CONCURRENCY = 16;
const LAPTOP_HTTP = 18380;
const LAPTOP_GRPC = 18381;

const median = (values: readonly number[]): number => quantile(values, 0.5);

/** One load shape: protocol and requests in flight. */
interface Shape {
  readonly label: string;
  readonly mode: 'h1' | 'grpc';
  readonly concurrency: number;
}

const SHAPES: readonly Shape[] = [
  { label: 'HTTP/1.1 keep-alive, sequential', mode: 'h1', concurrency: 1 },
  { label: `HTTP/1.1 keep-alive, ${CONCURRENCY} connections`, mode: 'h1', concurrency: CONCURRENCY },
  { label: 'HTTP/2 gRPC unary, sequential', mode: 'grpc', concurrency: 1 },
  { label: `HTTP/2 gRPC unary, ${CONCURRENCY} streams`, mode: 'grpc', concurrency: CONCURRENCY },
];

interface Way {
  readonly label: string;
  readonly h1: string;
  readonly grpc: string;
}

const DIRECT: Way = {
  label: 'direct (client → stuntman pods)',
  h1: 'http://app-kt-stuntman:8080/bytes/1024',
  grpc: 'app-kt-stuntman:9090',
};
const ROUTER: Way = { label: 'router (client → router → stuntman pods)', h1: 'http://app:80/bytes/1024', grpc: 'app:9090' };

interface Figures {
  rps: number[];
  p50: number[];
  p99: number[];
  failures: number;
  /** Router CPU milliseconds per 1 000 requests (router way only). */
  cpuMsPerK: number[];
  /** The client's own CPU per 1 000 requests. */
  clientMsPerK: number[];
  /** Both stuntman pods' CPU per 1 000 requests. */
  podsMsPerK: number[];
}

function workloads(ns: string, testapp: string, shadow: string): object[] {
  const ports = [
    { name: 'http', containerPort: 8080, protocol: 'TCP' },
    { name: 'grpc', containerPort: 9090, protocol: 'TCP' },
  ];
  const app = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'app', namespace: ns },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'app' } },
      template: {
        metadata: { labels: { app: 'app' } },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [
            {
              name: 'app',
              image: testapp,
              imagePullPolicy: 'Never',
              args: ['serve', '-tcp=', '-udp='],
              env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
              ports,
              readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1 },
            },
          ],
        },
      },
    },
  };
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'app', namespace: ns },
    spec: {
      selector: { app: 'app' },
      ports: [
        { name: 'http', port: 80, targetPort: 'http' },
        { name: 'grpc', port: 9090, targetPort: 'grpc' },
      ],
    },
  };
  return [app, service, clientPod(ns, shadow)];
}

export async function runMesh(repoDir: string): Promise<void> {
  const facts = clusterFacts(repoDir) as ClusterFacts;
  const ns = `${process.env.KT_BENCH_PREFIX ?? 'kt-bench'}-mesh-${randomBytes(3).toString('hex')}`;
  const kubectl = (args: string[], timeoutMs?: number): string =>
    sh(facts.kubectl, ['--kubeconfig', facts.adminKubeconfig, ...args], timeoutMs);
  sh('bash', [join(repoDir, 'e2e/prepare-ktctl.sh')], 600_000);
  // The mesh e2e's test app: its gRPC echo is the HTTP/2 backend.
  const testapp = sh('bash', [join(repoDir, 'e2e/tests/mesh/testapp-image.sh')], 600_000)
    .trim()
    .split('\n')
    .pop()!;
  const ktctl = join(repoDir, '.cache/e2e/bin/ktctl');
  const version = (JSON.parse(readFileSync(join(repoDir, 'apps/shadow/package.json'), 'utf8')) as { version: string }).version;
  kubectl(['create', 'namespace', ns]);
  const laptopApp = startInLaptop(facts, join(repoDir, '.cache/e2e/testapp-mesh/testapp'), [
    'serve',
    `-http=127.0.0.1:${LAPTOP_HTTP}`,
    `-grpc=127.0.0.1:${LAPTOP_GRPC}`,
    '-tcp=',
    '-udp=',
  ]);
  try {
    kubectl(['-n', ns, 'create', 'configmap', 'bench-load', `--from-file=requests.mjs=${join(repoDir, 'tools/bench/load/requests.mjs')}`]);
    execFileSync(facts.kubectl, ['--kubeconfig', facts.adminKubeconfig, 'create', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: workloads(ns, testapp, `ghcr.io/ktctl/shadow:${version}`) }),
      timeout: 60_000,
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    kubectl(['-n', ns, 'wait', '--for=condition=Ready', 'pod', '--all', '--timeout=120s'], 130_000);
    const mesh = startInLaptop(
      facts,
      ktctl,
      [
        'mesh',
        'app',
        '--expose',
        `${LAPTOP_HTTP}:8080,${LAPTOP_GRPC}:9090`,
        '--versionMark',
        'bench',
        '-n',
        ns,
        '-c',
        facts.adminKubeconfig,
      ],
      { KT_HOME: join(repoDir, '.cache/bench-kt'), USER: 'bench' },
    );
    try {
      await waitForOutput(mesh.output, /Press Ctrl-C|error:|\[KT_/, 150_000);
      if (!/Press Ctrl-C/.test(mesh.output())) throw new Error(`ktctl mesh did not start:\n${mesh.output()}`);
      report(repoDir, facts, ns);
    } finally {
      await stop(mesh.child);
    }
  } finally {
    await stop(laptopApp.child);
    kubectl(['delete', 'namespace', ns, '--wait=false']);
  }
}

function exec(facts: ClusterFacts, ns: string, pod: string, args: string[], timeoutMs = 60_000): string {
  return sh(facts.kubectl, ['--kubeconfig', facts.adminKubeconfig, '-n', ns, 'exec', pod, '--', ...args], timeoutMs);
}

interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  failures: number;
  requests: number;
  cpuUsPerRequest: number;
}

/** One load run from the client pod. */
function load(facts: ClusterFacts, ns: string, shape: Shape, target: string): LoadResult {
  const out = exec(
    facts,
    ns,
    'client',
    ['/usr/local/bin/node', '/load/requests.mjs', shape.mode, target, String(shape.concurrency), String(SECONDS)],
    120_000,
  );
  return JSON.parse(out.trim().split('\n').pop()!) as LoadResult;
}

/** The router process (PID 1 of its container): RSS, its anonymous part, peak RSS (MiB), CPU (ms); the container cgroup's memory (MiB). */
function routerStats(
  facts: ClusterFacts,
  ns: string,
): { rssMiB: number; anonMiB: number; peakMiB: number; cpuMs: number; cgroupMiB: number } {
  const script = [
    "const fs = require('fs');",
    "const s = fs.readFileSync('/proc/1/status', 'utf8');",
    "const kb = (k) => Number(new RegExp(k + ':\\\\s+(\\\\d+)').exec(s)[1]);",
    "const f = fs.readFileSync('/proc/1/stat', 'utf8').split(') ')[1].split(' ');",
    'let cg = -1;',
    "for (const p of ['/sys/fs/cgroup/memory.current', '/sys/fs/cgroup/memory/memory.usage_in_bytes']) { try { cg = Number(fs.readFileSync(p, 'utf8')); break; } catch {} }",
    'console.log(JSON.stringify({ rss: kb("VmRSS"), anon: kb("RssAnon"), hwm: kb("VmHWM"), ticks: Number(f[11]) + Number(f[12]), cg }));',
  ].join(' ');
  const out = JSON.parse(exec(facts, ns, 'app-kt-router', ['/usr/local/bin/node', '-e', script]).trim()) as {
    rss: number;
    anon: number;
    hwm: number;
    ticks: number;
    cg: number;
  };
  return {
    rssMiB: out.rss / 1024,
    anonMiB: out.anon / 1024,
    peakMiB: out.hwm / 1024,
    cpuMs: out.ticks * 10,
    cgroupMiB: out.cg < 0 ? NaN : out.cg / 1024 / 1024,
  };
}

function kubectlOut(facts: ClusterFacts, ns: string, args: string[]): string {
  return sh(facts.kubectl, ['--kubeconfig', facts.adminKubeconfig, '-n', ns, ...args], 30_000);
}

/** CPU milliseconds the test app (PID 1) has used in each pod, summed. */
function podsCpuMs(facts: ClusterFacts, ns: string, pods: readonly string[]): number {
  let ticks = 0;
  for (const pod of pods) {
    const fields = exec(facts, ns, pod, ['cat', '/proc/1/stat']).split(') ')[1]!.split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks * 10;
}

function report(repoDir: string, facts: ClusterFacts, ns: string): void {
  // The router answers for app now: wait until a request through it reaches the stuntman pods.
  for (const way of [DIRECT, ROUTER]) load(facts, ns, { label: 'warm-up', mode: 'h1', concurrency: 1 }, way.h1);
  const idle = routerStats(facts, ns);
  const pods = kubectlOut(facts, ns, ['get', 'pods', '-l', 'app=app', '-o', 'jsonpath={.items[*].metadata.name}'])
    .split(' ')
    .filter(Boolean);
  const figures = new Map<string, Figures>();
  const key = (shape: Shape, way: Way): string => `${shape.label} | ${way.label}`;
  const rss: number[] = [];
  const anon: number[] = [];
  for (let r = 0; r < REPEAT; r++) {
    for (const shape of SHAPES) {
      // Alternate which way goes first, so drift on a shared machine does not favour one.
      for (const way of r % 2 ? [ROUTER, DIRECT] : [DIRECT, ROUTER]) {
        const before = way === ROUTER ? routerStats(facts, ns) : undefined;
        const podsBefore = podsCpuMs(facts, ns, pods);
        const f = load(facts, ns, shape, shape.mode === 'h1' ? way.h1 : way.grpc);
        const podsAfter = podsCpuMs(facts, ns, pods);
        const entry = figures.get(key(shape, way)) ?? {
          rps: [],
          p50: [],
          p99: [],
          failures: 0,
          cpuMsPerK: [],
          clientMsPerK: [],
          podsMsPerK: [],
        };
        entry.rps.push(f.rps);
        entry.p50.push(f.p50);
        entry.p99.push(f.p99);
        entry.failures += f.failures;
        entry.clientMsPerK.push(f.cpuUsPerRequest);
        entry.podsMsPerK.push(((podsAfter - podsBefore) / f.requests) * 1000);
        if (before) {
          const after = routerStats(facts, ns);
          entry.cpuMsPerK.push(((after.cpuMs - before.cpuMs) / f.requests) * 1000);
          rss.push(after.rssMiB);
          anon.push(after.anonMiB);
        }
        figures.set(key(shape, way), entry);
      }
    }
  }
  const final = routerStats(facts, ns);
  const rows: Row[] = [];
  for (const shape of SHAPES) {
    const direct = figures.get(key(shape, DIRECT))!;
    const routed = figures.get(key(shape, ROUTER))!;
    rows.push({
      name: shape.label,
      'direct req/s': median(direct.rps),
      'router req/s': median(routed.rps),
      'router/direct': median(routed.rps) / median(direct.rps),
      // Each repetition measures both ways back to back: the median of those pairs' ratios and differences
      // resists the load swings of a shared machine better than a ratio of medians.
      'ratio, pairs': median(routed.rps.map((r, i) => r / direct.rps[i]!)),
      'direct p50 ms': median(direct.p50),
      'router p50 ms': median(routed.p50),
      'added p50 ms': median(routed.p50) - median(direct.p50),
      'added p50, pairs': median(routed.p50.map((p, i) => p - direct.p50[i]!)),
      'direct p99 ms': median(direct.p99),
      'router p99 ms': median(routed.p99),
      'router CPU ms/1k req': median(routed.cpuMsPerK),
      'client CPU ms/1k (direct, router)': `${median(direct.clientMsPerK).toFixed(0)}, ${median(routed.clientMsPerK).toFixed(0)}`,
      'pods CPU ms/1k (direct, router)': `${median(direct.podsMsPerK).toFixed(0)}, ${median(routed.podsMsPerK).toFixed(0)}`,
      failures: direct.failures + routed.failures,
    });
  }
  const memory: Row[] = [
    {
      name: 'router idle (after warm-up)',
      'RSS MiB': idle.rssMiB,
      'anon MiB': idle.anonMiB,
      'peak RSS MiB': idle.peakMiB,
      'cgroup MiB': idle.cgroupMiB,
    },
    {
      name: 'router after each load run (median)',
      'RSS MiB': median(rss),
      'anon MiB': median(anon),
      'peak RSS MiB': NaN,
      'cgroup MiB': NaN,
    },
    {
      name: 'router at the end',
      'RSS MiB': final.rssMiB,
      'anon MiB': final.anonMiB,
      'peak RSS MiB': final.peakMiB,
      'cgroup MiB': final.cgroupMiB,
    },
  ];
  console.log(`\nmesh router vs direct: in-cluster client, ${SECONDS} s per run, 1 KiB responses; medians of ${REPEAT}\n${table(rows)}`);
  console.log(
    `\nrouter memory (its process, /proc/1 in the pod: RSS, of which anonymous (heap, stacks; the rest is the node binary's shared file pages); cgroup includes the exec that reads it)\n${table(memory)}`,
  );
  const raw = Object.fromEntries(figures);
  console.log(
    `\nresult: ${saveResult(repoDir, 'mesh', { seconds: SECONDS, concurrency: CONCURRENCY, repeat: REPEAT, rows, memory, raw, rssAfterRuns: rss, anonAfterRuns: anon })}`,
  );
}
