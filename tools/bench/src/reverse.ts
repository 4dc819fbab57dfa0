// `npm run bench -- reverse`: the reverse path — an in-cluster client calling a server on the laptop
// through `ktctl preview` (and `ktctl exchange`, when this build has it) — side by side with the same
// client calling the same server program running in a pod (the baseline), in one run. The client is a
// pod of the shadow image running tools/bench/load/*.mjs with its node; the server is the test cluster's
// testapp, in a pod and in the laptop namespace. Needs root and the local test cluster. Bounded steps.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { clusterFacts, sh, startInLaptop, stop, waitForOutput, type ClusterFacts } from './proc.js';
import { quantile, saveResult, table, type Row } from '@ktctl/testkit';

const BULK = 256 * 1024 * 1024;
const REQUESTS = 2000;
const REPEAT = 3;
const LAPTOP_PORT = 18280;

interface Facts extends ClusterFacts {
  images: { testapp: string };
}

interface Way {
  readonly label: string;
  /** Base URL of the server as the in-cluster client reaches it. */
  readonly url: string;
}

interface Figures {
  mbPerSecond: number[];
  p50: number[];
  p99: number[];
  failures: number;
}

const median = (values: readonly number[]): number => quantile(values, 0.5);

function testappDeployment(facts: Facts, ns: string, name: string): object {
  const container = {
    name,
    image: facts.images.testapp,
    imagePullPolicy: 'Never',
    args: ['serve', '-tcp=', '-udp='],
    env: [{ name: 'POD_NAME', value: name }],
    readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1 },
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { terminationGracePeriodSeconds: 1, containers: [container] } },
    },
  };
}

function service(ns: string, name: string): object {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: ns },
    spec: { selector: { app: name }, ports: [{ name: 'http', port: 8080, targetPort: 8080 }] },
  };
}

/** The client: the shadow image's node, idle, with the load scripts mounted from a ConfigMap. */
export function clientPod(ns: string, image: string): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'client', namespace: ns },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: 'client',
          image,
          imagePullPolicy: 'Never',
          command: ['/usr/local/bin/node', '-e', 'setInterval(() => {}, 1 << 30)'],
          volumeMounts: [{ name: 'load', mountPath: '/load' }],
        },
      ],
      volumes: [{ name: 'load', configMap: { name: 'bench-load' } }],
    },
  };
}

export async function runReverse(repoDir: string): Promise<void> {
  const facts = clusterFacts(repoDir) as Facts;
  const ns = `kt-bench-reverse-${randomBytes(3).toString('hex')}`;
  const kubectl = (args: string[], timeoutMs?: number): string =>
    sh(facts.kubectl, ['--kubeconfig', facts.adminKubeconfig, ...args], timeoutMs);
  sh('bash', [join(repoDir, 'e2e/prepare-ktctl.sh')], 600_000);
  const ktctl = join(repoDir, '.cache/e2e/bin/ktctl');
  const version = (JSON.parse(readFileSync(join(repoDir, 'apps/shadow/package.json'), 'utf8')) as { version: string }).version;
  kubectl(['create', 'namespace', ns]);
  const laptopServer = startInLaptop(
    facts,
    join(repoDir, '.cache/cluster/bin/testapp'),
    ['serve', '-http', `127.0.0.1:${LAPTOP_PORT}`, '-tcp=', '-udp='],
    { POD_NAME: 'laptop' },
  );
  try {
    const load = join(repoDir, 'tools/bench/load');
    kubectl([
      '-n',
      ns,
      'create',
      'configmap',
      'bench-load',
      ...['latency', 'bulk', 'sink'].map((f) => `--from-file=${f}.mjs=${join(load, `${f}.mjs`)}`),
    ]);
    const items = [
      clientPod(ns, `ghcr.io/ktctl/shadow:${version}`),
      testappDeployment(facts, ns, 'server'),
      service(ns, 'server'),
      testappDeployment(facts, ns, 'exchanged'),
      service(ns, 'exchanged'),
    ];
    execFileSync(facts.kubectl, ['--kubeconfig', facts.adminKubeconfig, 'create', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items }),
      timeout: 60_000,
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    kubectl(['-n', ns, 'wait', '--for=condition=Ready', 'pod', '--all', '--timeout=90s'], 100_000);
    const upload = await kubectlUpload(repoDir, facts, ns);
    await report(repoDir, facts, ns, ktctl, upload);
  } finally {
    await stop(laptopServer.child);
    kubectl(['delete', 'namespace', ns, '--wait=false']);
  }
}

/** One figure from the client pod: a bulk download's MB/s, or latency quantiles of sequential requests. */
function fromClient(facts: Facts, ns: string, script: string, args: string[]): Record<string, number> {
  const out = sh(
    facts.kubectl,
    ['--kubeconfig', facts.adminKubeconfig, '-n', ns, 'exec', 'client', '--', '/usr/local/bin/node', `/load/${script}`, ...args],
    180_000,
  );
  return JSON.parse(out.trim().split('\n').pop()!) as Record<string, number>;
}

/** Measures `ways` interleaved, REPEAT times each, so drift on a shared machine hits all of them alike. */
function measure(facts: Facts, ns: string, ways: readonly Way[]): Figures[] {
  const figures = ways.map((): Figures => ({ mbPerSecond: [], p50: [], p99: [], failures: 0 }));
  for (let r = 0; r < REPEAT; r++) {
    ways.forEach((way, i) => {
      const bulk = fromClient(facts, ns, 'bulk.mjs', [`${way.url}/bytes/${BULK}`]);
      if (bulk.bytes !== BULK) throw new Error(`${way.label}: got ${bulk.bytes} of ${BULK} bytes`);
      figures[i]!.mbPerSecond.push(bulk.mbPerSecond!);
      const latency = fromClient(facts, ns, 'latency.mjs', [`${way.url}/bytes/1024`, String(REQUESTS)]);
      figures[i]!.p50.push(latency.p50!);
      figures[i]!.p99.push(latency.p99!);
      figures[i]!.failures += latency.failures!;
    });
  }
  return figures;
}

/** Output lines that mark each step of a start (the shadow's progress, then the tunnel, then ready). */
const PHASES: readonly (readonly [string, RegExp])[] = [
  ['pod scheduled', /on node/],
  ['image present', /already present|pulled/],
  ['pod running', /agent started/],
  ['tunnel up', /Tunnel: (connected|cluster port)/],
  ['ready ("Press Ctrl-C")', /Press Ctrl-C/],
];

/** Starts a ktctl command in the laptop and waits until it says it is ready; returns when each step was reached. */
async function startKtctl(
  facts: Facts,
  ktctl: string,
  args: string[],
  home: string,
): Promise<{ stop: () => Promise<void>; marks: Record<string, number> }> {
  const started = Date.now();
  const marks: Record<string, number> = {};
  const proc = startInLaptop(facts, ktctl, [...args, '-c', facts.adminKubeconfig], { KT_HOME: home });
  const watcher = setInterval(() => {
    for (const [name, re] of PHASES) if (marks[name] === undefined && re.test(proc.output())) marks[name] = Date.now() - started;
  }, 10);
  try {
    await waitForOutput(proc.output, /Press Ctrl-C/, 120_000);
    await new Promise((r) => setTimeout(r, 20));
  } finally {
    clearInterval(watcher);
  }
  return { stop: () => stop(proc.child), marks };
}

function hasExchange(ktctl: string): boolean {
  try {
    sh(ktctl, ['exchange', '--help'], 10_000);
    return true;
  } catch {
    return false;
  }
}

async function report(repoDir: string, facts: Facts, ns: string, ktctl: string, upload: UploadBaseline): Promise<void> {
  const home = join(repoDir, '.cache/bench-kt');
  const baseline: Way = { label: 'in-cluster client → pod (baseline)', url: 'http://server:8080' };
  const phases: { way: Way; args: string[] }[] = [
    {
      way: { label: 'in-cluster client → laptop via preview', url: 'http://bench-preview:8080' },
      args: ['preview', 'bench-preview', '--expose', `${LAPTOP_PORT}:8080`, '-n', ns],
    },
  ];
  if (hasExchange(ktctl))
    phases.push({
      way: { label: 'in-cluster client → laptop via exchange', url: 'http://exchanged:8080' },
      args: ['exchange', 'exchanged', '--expose', `${LAPTOP_PORT}:8080`, '-n', ns],
    });
  const rows: Row[] = [];
  const ready: Row[] = [];
  const raw: Record<string, Figures> = {};
  for (const phase of phases) {
    const run = await startKtctl(facts, ktctl, phase.args, home);
    ready.push({ name: phase.args[0]!, ...Object.fromEntries(PHASES.map(([step]) => [`${step} ms`, run.marks[step] ?? 'n/a'])) });
    try {
      const [base, ways] = measure(facts, ns, [baseline, phase.way]);
      raw[`${phase.args[0]}: ${baseline.label}`] = base!;
      raw[phase.way.label] = ways!;
      for (const [way, f] of [
        [baseline, base!],
        [phase.way, ways!],
      ] as const) {
        rows.push({
          name: way === baseline ? `${baseline.label} [${phase.args[0]} run]` : way.label,
          'MB/s': median(f.mbPerSecond),
          'vs baseline': median(f.mbPerSecond) / median(base!.mbPerSecond),
          'p50 ms': median(f.p50),
          'p50 overhead ms': median(f.p50) - median(base!.p50),
          'p99 ms': median(f.p99),
          failures: f.failures,
        });
      }
    } finally {
      await run.stop();
    }
  }
  rows.push({
    name: 'laptop → pod via kubectl port-forward (upload baseline)',
    'MB/s': upload.mbPerSecond,
    'vs baseline': NaN,
    'p50 ms': NaN,
    'p50 overhead ms': NaN,
    'p99 ms': NaN,
    failures: 0,
  });
  const withUpload = rows.map((row) => ({ ...row, 'vs kubectl pf upload': (row['MB/s'] as number) / upload.mbPerSecond }));
  console.log(
    `\nreverse path: ${BULK / 1024 / 1024} MiB download and ${REQUESTS} sequential 1 KiB requests, from a pod; medians of ${REPEAT}\n${table(withUpload)}`,
  );
  console.log(`\ntime to ready (ms since start)\n${table(ready)}`);
  console.log(
    `\nresult: ${saveResult(repoDir, 'reverse', { bulkBytes: BULK, requests: REQUESTS, repeat: REPEAT, rows: withUpload, ready, raw, upload })}`,
  );
}

interface UploadBaseline {
  readonly mbPerSecond: number;
  readonly runs: number[];
}

/**
 * The ceiling of laptop → cluster through the API server: the laptop writing 256 MiB through
 * `kubectl port-forward` to a TCP sink in the client pod (median of REPEAT). The reverse path carries
 * bytes in this direction, over the same kind of port-forward.
 */
async function kubectlUpload(repoDir: string, facts: Facts, ns: string): Promise<UploadBaseline> {
  const sink = startInLaptop(facts, facts.kubectl, [
    '--kubeconfig',
    facts.adminKubeconfig,
    '-n',
    ns,
    'exec',
    'client',
    '--',
    '/usr/local/bin/node',
    '/load/sink.mjs',
    '9300',
    String(BULK),
  ]);
  const forward = startInLaptop(facts, facts.kubectl, [
    '--kubeconfig',
    facts.adminKubeconfig,
    '-n',
    ns,
    'port-forward',
    'pod/client',
    `${LAPTOP_PORT + 10}:9300`,
  ]);
  try {
    await waitForOutput(sink.output, /sink listening/, 30_000);
    await waitForOutput(forward.output, /Forwarding from/, 30_000);
    const runs: number[] = [];
    for (let r = 0; r < REPEAT; r++) {
      const out = sh(
        'ip',
        [
          'netns',
          'exec',
          facts.laptopNetns,
          'node',
          join(repoDir, 'tools/bench/load/upload.mjs'),
          '127.0.0.1',
          String(LAPTOP_PORT + 10),
          String(BULK),
        ],
        150_000,
      );
      const figure = JSON.parse(out.trim()) as { bytes: number; mbPerSecond: number };
      if (figure.bytes !== BULK) throw new Error(`kubectl port-forward upload: the sink got ${figure.bytes} of ${BULK} bytes`);
      runs.push(figure.mbPerSecond);
    }
    return { mbPerSecond: median(runs), runs };
  } finally {
    await stop(forward.child);
    await stop(sink.child);
  }
}
