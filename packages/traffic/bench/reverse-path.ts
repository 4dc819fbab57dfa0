/**
 * The reverse path: an in-cluster client reaching a server on the laptop through `ktctl exchange`, side by
 * side with the same client reaching the same server program in a pod (the cluster's own path). Both
 * servers are the test cluster's testapp binary; the client is Node in a pod (the shadow image). Rounds
 * are interleaved; medians reported. The test cluster, the laptop namespace and loopback only; every phase
 * is bounded, and the namespace and processes it made are removed at the end.
 *
 *   tsx packages/traffic/bench/reverse-path.ts [--mib 64] [--rounds 3] [--pings 500] [--json]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    kubeconfig: { type: 'string', default: '.cache/cluster/admin.kubeconfig' },
    kubectl: { type: 'string', default: '.cache/cluster/bin/kubectl' },
    ktctl: { type: 'string', default: '.cache/e2e/bin/ktctl' },
    testapp: { type: 'string', default: '.cache/cluster/bin/testapp' },
    netns: { type: 'string', default: 'ktlaptop' },
    mib: { type: 'string', default: '64' },
    rounds: { type: 'string', default: '3' },
    pings: { type: 'string', default: '500' },
    json: { type: 'boolean', default: false },
  },
});
const cluster = JSON.parse(readFileSync('.cache/cluster/cluster.json', 'utf8')) as { images: { testapp: string } };
const shadowImage = `ghcr.io/ktctl/shadow:${(JSON.parse(readFileSync('apps/shadow/package.json', 'utf8')) as { version: string }).version}`;
const ns = `kt-bench-reverse-${randomBytes(3).toString('hex')}`;
const BYTES = Number(args.mib) * 1024 * 1024;

function run(cmd: string, argv: readonly string[], input?: string, timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${argv.join(' ')} exited ${code}: ${err || out}`));
    });
    child.stdin.end(input ?? '');
  });
}
const kubectl = (argv: readonly string[], input?: string, timeoutMs?: number) => run(args.kubectl!, ['--kubeconfig', args.kubeconfig!, ...argv], input, timeoutMs);

/** The server pod and its Service (`pod-side`), the exchanged Service (`laptop-side`) and the client. */
function manifests(): string {
  const server = (name: string, replicas: number) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name, image: cluster.images.testapp, imagePullPolicy: 'Never', args: ['serve', '-udp='], ports: [{ name: 'http', containerPort: 8080 }, { name: 'tcp-echo', containerPort: 9000 }] }] } },
    },
  });
  const service = (name: string) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 'http' }, { name: 'tcp-echo', port: 9000, targetPort: 'tcp-echo' }] } });
  const client = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'client', namespace: ns }, spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'client', image: shadowImage, imagePullPolicy: 'Never', command: ['/usr/local/bin/node', '-e', 'setInterval(() => {}, 1 << 30)'] }] } };
  return [server('pod-side', 1), service('pod-side'), server('laptop-side', 1), service('laptop-side'), client].map((o) => JSON.stringify(o)).join('\n');
}

/** Runs in the client pod: one download of /bytes/<n> (MiB/s), then <pings> 64-byte echo round trips (ms percentiles). */
const CLIENT = `
const net = require('node:net');
const [host, bytes, pings] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3])];
function download() {
  return new Promise((resolve, reject) => {
    const t = process.hrtime.bigint(); let got = 0;
    const s = net.connect(80, host, () => s.write('GET /bytes/' + bytes + ' HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n'));
    s.on('data', (d) => (got += d.length)); s.on('error', reject);
    s.on('close', () => got < bytes ? reject(new Error('short: ' + got)) : resolve(bytes / 1048576 / (Number(process.hrtime.bigint() - t) / 1e9)));
  });
}
function pingAll() {
  return new Promise((resolve, reject) => {
    const s = net.connect(9000, host); s.setNoDelay(true);
    const times = []; const msg = Buffer.alloc(64, 7); let got = 0; let t;
    const send = () => { t = process.hrtime.bigint(); got = 0; s.write(msg); };
    s.on('connect', send); s.on('error', reject);
    s.on('data', (d) => { got += d.length; if (got < 64) return; times.push(Number(process.hrtime.bigint() - t) / 1e6); if (times.length < pings) send(); else { s.destroy(); times.sort((a, b) => a - b); resolve({ p50: times[Math.floor(times.length / 2)], p99: times[Math.floor(times.length * 0.99)] }); } });
  });
}
(async () => { const mibps = await download(); const lat = await pingAll(); console.log(JSON.stringify({ mibps, ...lat })); })().catch((e) => { console.error(e.message); process.exit(1); });`;

interface Sample {
  mibps: number;
  p50: number;
  p99: number;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function measure(host: string): Promise<Sample> {
  const out = await kubectl(['-n', ns, 'exec', 'client', '--', '/usr/local/bin/node', '-e', CLIENT, host, String(BYTES), args.pings!], undefined, 180_000).catch((e: Error) => {
    throw new Error(`client → ${host}: ${e.message.split('\n').slice(-2).join(' ')}`);
  });
  return JSON.parse(out) as Sample;
}

function background(cmd: string, argv: readonly string[]): { child: ChildProcess; output: () => string; waitFor: (re: RegExp, ms: number) => Promise<void> } {
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d));
  child.stderr!.on('data', (d: Buffer) => (out += d));
  const waitFor = async (re: RegExp, ms: number): Promise<void> => {
    const deadline = Date.now() + ms;
    while (!re.test(out)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`${cmd}: no ${re} within ${ms} ms: ${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  return { child, output: () => out, waitFor };
}

async function main(): Promise<void> {
  const port = 20_000 + 2 * Math.floor(Math.random() * 4_000);
  await kubectl(['create', 'namespace', ns]);
  const made: { child: ChildProcess }[] = [];
  try {
    await kubectl(['apply', '-f', '-'], manifests());
    for (const d of ['pod-side', 'laptop-side']) await kubectl(['-n', ns, 'rollout', 'status', `deployment/${d}`, '--timeout=90s']);
    await kubectl(['-n', ns, 'wait', '--for=condition=Ready', 'pod/client', '--timeout=90s']);
    const server = background('ip', ['netns', 'exec', args.netns!, args.testapp!, 'serve', `-http=127.0.0.1:${port}`, `-tcp=127.0.0.1:${port + 1}`, '-udp=']);
    made.push(server);
    await server.waitFor(/tcp echo on/, 10_000);
    const started = Date.now();
    const exchange = background('ip', ['netns', 'exec', args.netns!, 'env', `KT_HOME=/tmp/${ns}`, args.ktctl!, 'exchange', 'laptop-side', '-c', args.kubeconfig!, '-n', ns, '--expose', `${port}:8080,${port + 1}:9000`]);
    made.push(exchange);
    await exchange.waitFor(/Press Ctrl-C to end the exchange/, 120_000);
    const readyMs = Date.now() - started;
    const hosts = { pod: (await kubectl(['-n', ns, 'get', 'svc', 'pod-side', '-o', 'jsonpath={.spec.clusterIP}'])).trim(), laptop: (await kubectl(['-n', ns, 'get', 'svc', 'laptop-side', '-o', 'jsonpath={.spec.clusterIP}'])).trim() };
    const samples: Record<'pod' | 'laptop', Sample[]> = { pod: [], laptop: [] };
    console.error(`pod side ${hosts.pod}, laptop side ${hosts.laptop}`);
    for (let round = 0; round < Number(args.rounds); round++) {
      for (const side of ['pod', 'laptop'] as const) samples[side].push(await measure(hosts[side]));
    }
    report(samples, readyMs);
    exchange.child.kill('SIGINT');
    await exchange.waitFor(/is back to its own pods/, 60_000);
  } finally {
    for (const { child } of made.reverse()) if (child.exitCode === null && child.pid) process.kill(-child.pid, 'SIGKILL');
    await run('rm', ['-rf', `/tmp/${ns}`]);
    await kubectl(['delete', 'namespace', ns, '--wait=false']);
  }
}

function report(samples: Record<'pod' | 'laptop', Sample[]>, readyMs: number): void {
  const row = (side: 'pod' | 'laptop') => ({ mibps: median(samples[side].map((s) => s.mibps)), p50: median(samples[side].map((s) => s.p50)), p99: median(samples[side].map((s) => s.p99)) });
  const result = { readyMs, mib: Number(args.mib), rounds: Number(args.rounds), pings: Number(args.pings), pod: row('pod'), laptop: row('laptop'), samples };
  if (args.json) console.log(JSON.stringify(result));
  const f = (n: number, d = 1) => n.toFixed(d);
  console.log(`in-cluster client → server, ${args.mib} MiB download and ${args.pings} 64-byte echo round trips, medians of ${args.rounds} interleaved rounds`);
  console.log('| path | MiB/s | p50 RTT ms | p99 RTT ms |\n|---|---|---|---|');
  console.log(`| pod (cluster network) | ${f(result.pod.mibps)} | ${f(result.pod.p50, 3)} | ${f(result.pod.p99, 3)} |`);
  console.log(`| laptop via ktctl exchange | ${f(result.laptop.mibps)} | ${f(result.laptop.p50, 3)} | ${f(result.laptop.p99, 3)} |`);
  console.log(`ktctl exchange start → redirected and tunnel up: ${(readyMs / 1000).toFixed(1)} s (shadow image already on the node)`);
  console.log(`ratio laptop/pod: throughput ${f(result.laptop.mibps / result.pod.mibps, 2)}×, p50 +${f(result.laptop.p50 - result.pod.p50, 3)} ms`);
}

await main();
