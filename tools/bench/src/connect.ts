// `npm run bench -- connect [mode...]`: ktctl connect in each mode (tun2socks, sshuttle; the SOCKS5 proxy
// too) side by side with kubectl port-forward and the pod reached directly from the host, in one run, from
// the laptop namespace. Only one connect runs per machine, so the modes take turns; each turn measures the
// baselines again, and ratios are taken within a turn. Needs root and the local test cluster
// (npm run cluster:up). Every step is bounded.
import { join } from 'node:path';
import { quantile, saveResult, table, type Row } from '@ktctl/testkit';
import { clusterFacts, footprint, inLaptop, sh, startInLaptop, stop, waitForOutput, type ClusterFacts } from './proc.js';
import { clusterPids, CpuLedger, type Watched } from './cpu.js';
import { NETEM_CONDITIONS, requireNetem, withCondition } from './netem.js';

const FULL_BULK = 256 * 1024 * 1024;
/** The bulk size of the turn being measured (smaller on a slow, shaped link). */
let BULK = FULL_BULK;
const REPEAT = 3;
const MODES = ['tun2socks', 'sshuttle'] as const;
type Mode = (typeof MODES)[number];

interface Way {
  readonly label: string;
  /** curl arguments that fetch `path` from the web pod this way. */
  readonly curl: (path: string) => string[];
  readonly inLaptop: boolean;
  /** Whether the bytes cross ktctl (its CPU is counted for these). */
  readonly ktctl: boolean;
}

interface Subjects {
  readonly podIP: string;
  readonly echoIP: string;
  readonly webPod: string;
}

function mbPerSecond(facts: ClusterFacts, way: Way, path: string): number {
  const args = ['-sS', '--max-time', '120', '-o', '/dev/null', '-w', '%{speed_download}', ...way.curl(path)];
  const out = way.inLaptop ? inLaptop(facts, 'curl', args, 150_000) : sh('curl', args, 150_000);
  return Number(out) / 1e6;
}

function parallelMbPerSecond(facts: ClusterFacts, way: Way, streams: number): number {
  const each = BULK / streams;
  const curls = Array.from(
    { length: streams },
    () =>
      `curl -sS --fail --max-time 120 -o /dev/null ${way
        .curl(`/bytes/${each}`)
        .map((a) => `'${a}'`)
        .join(' ')} & pids="$pids $!";`,
  ).join(' ');
  // Each curl's status counts: a stream that failed must not pass for a fast one.
  const script = `start=$(date +%s.%N); pids=; ${curls} fail=0; for p in $pids; do wait $p || fail=1; done; end=$(date +%s.%N); echo "$start $end"; exit $fail`;
  const out = way.inLaptop ? inLaptop(facts, 'bash', ['-c', script], 150_000) : sh('bash', ['-c', script], 150_000);
  const [start, end] = out.trim().split(' ').map(Number);
  return BULK / (end! - start!) / 1e6;
}

/** The first port from `from` that nothing listens on in the laptop namespace (a stray port-forward may hold one). */
function freeLaptopPort(facts: ClusterFacts, from: number): number {
  const listening = inLaptop(facts, 'ss', ['-Hltn']);
  for (let port = from; port < from + 100; port++) if (!listening.includes(`:${port} `)) return port;
  throw new Error(`no free port in ${from}..${from + 99} in the laptop namespace`);
}

const median = (values: number[]): number =>
  values.some((v) => !Number.isNaN(v))
    ? quantile(
        values.filter((v) => !Number.isNaN(v)),
        0.5,
      )
    : NaN;

/** Host pid of a pod's container (single-node cluster: containerd runs it here). */
function podPid(facts: ClusterFacts, repoDir: string, pod: string): number | undefined {
  const id = sh(facts.kubectl, [
    '--kubeconfig',
    facts.adminKubeconfig,
    '-n',
    facts.testNamespace,
    'get',
    'pod',
    pod,
    '-o',
    'jsonpath={.status.containerStatuses[0].containerID}',
  ]).replace('containerd://', '');
  const sock = (JSON.parse(sh('cat', [join(repoDir, '.cache/cluster/cluster.json')])) as { containerdSocket: string }).containerdSocket;
  const line = sh('ctr', ['--address', sock, '-n', 'k8s.io', 'task', 'ls'])
    .split('\n')
    .find((l) => l.startsWith(id));
  return line ? Number(line.split(/\s+/)[1]) : undefined;
}

export async function runConnect(repoDir: string): Promise<void> {
  const facts = clusterFacts(repoDir);
  const ns = facts.testNamespace;
  const kubectl = (args: string[]) => sh(facts.kubectl, ['--kubeconfig', facts.adminKubeconfig, '-n', ns, ...args]);
  const modes = process.argv.slice(3).filter((m): m is Mode => (MODES as readonly string[]).includes(m));
  if (process.argv.includes('--netem')) requireNetem();
  sh('bash', [join(repoDir, 'e2e/prepare-ktctl.sh')], 600_000);
  const webPod = kubectl(['get', 'pod', '-l', 'app=web', '-o', 'jsonpath={.items[0].metadata.name}']);
  const s: Subjects = {
    webPod,
    podIP: kubectl(['get', 'pod', webPod, '-o', 'jsonpath={.status.podIP}']),
    echoIP: kubectl(['get', 'svc', 'echo', '-o', 'jsonpath={.spec.clusterIP}']),
  };
  const turns: Turn[] = [];
  for (const [i, mode] of (modes.length ? modes : MODES).entries()) {
    BULK = FULL_BULK;
    turns.push(await withPortForward(facts, s, (pf) => measureMode(repoDir, facts, s, pf, mode, i === 0, mode)));
    // After every turn, so a later turn's failure does not lose the figures; the last print has them all.
    report(repoDir, turns);
  }
  if (!process.argv.includes('--netem')) return;
  // The shaped turns: the first mode only (the others differ in the laptop, not on the link).
  const mode = modes[0] ?? MODES[0];
  for (const condition of NETEM_CONDITIONS) {
    BULK = condition.bulkBytes;
    const tag = `${mode}, ${condition.name}`;
    turns.push(
      await withCondition(facts, condition, () => withPortForward(facts, s, (pf) => measureMode(repoDir, facts, s, pf, mode, true, tag))),
    );
    report(repoDir, turns);
  }
}

/** A fresh kubectl port-forward to the web pod for one turn (a long-lived one may die under bulk load). */
async function withPortForward<T>(facts: ClusterFacts, s: Subjects, run: (pf: { port: number; pid: number }) => Promise<T>): Promise<T> {
  const port = freeLaptopPort(facts, 18080);
  const forward = startInLaptop(facts, facts.kubectl, [
    '--kubeconfig',
    facts.adminKubeconfig,
    '-n',
    facts.testNamespace,
    'port-forward',
    `pod/${s.webPod}`,
    `${port}:8080`,
  ]);
  try {
    await waitForOutput(forward.output, /Forwarding from/, 30_000);
    return await run({ port, pid: forward.child.pid! });
  } finally {
    await stop(forward.child);
  }
}

interface Turn {
  readonly mode: string;
  readonly bulk: Row[];
  readonly latency: Row[];
  readonly concurrency: Row[];
  readonly ready: Row[];
  readonly footprint: Row[];
  readonly cpu: Row[];
}

/** One turn: ktctl connect in `mode`, measured beside the baselines. */
async function measureMode(
  repoDir: string,
  facts: ClusterFacts,
  s: Subjects,
  pf: { port: number; pid: number },
  mode: Mode,
  withProxy: boolean,
  tag: string,
): Promise<Turn> {
  const ns = facts.testNamespace;
  const ktctl = join(repoDir, 'apps/ktctl/dist/bin/ktctl-linux-x64');
  const started = Date.now();
  const marks: Record<string, number> = {};
  const connect = startInLaptop(facts, ktctl, ['connect', '-c', facts.adminKubeconfig, '-n', ns, '--mode', mode], {
    KT_HOME: join(repoDir, '.cache/bench-kt'),
  });
  const phases: [string, RegExp][] = [
    ['pod scheduled', /on node/],
    ['image present', /already present|pulled|pulling/],
    ['pod running', /agent started/],
    ['tunnel up', /Tunnel: connected/],
    ['DNS up', /Press Ctrl-C/],
  ];
  const watcher = setInterval(() => {
    for (const [name, re] of phases) if (marks[name] === undefined && re.test(connect.output())) marks[name] = Date.now() - started;
  }, 20);
  try {
    await waitForOutput(connect.output, /Press Ctrl-C/, 120_000);
    for (let i = 0; i < 100; i++) {
      try {
        inLaptop(facts, 'curl', ['-sS', '--max-time', '2', '-o', '/dev/null', `http://web.${ns}/`]);
        marks['first request by name'] = Date.now() - started;
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    clearInterval(watcher);
    const ready = Object.entries(marks)
      .sort((a, b) => a[1] - b[1])
      .map(([name, ms]) => ({ name: `${tag}: ${name}`, 'ms since start': ms }));
    return { mode: tag, ready, ...measure(repoDir, facts, { ...s, pfPort: pf.port, pfPid: pf.pid }, tag, connect.child.pid!, withProxy) };
  } catch (error) {
    throw new Error(`connect --mode ${mode}: ${(error as Error).message}\n${connect.output()}`, { cause: error });
  } finally {
    clearInterval(watcher);
    await stop(connect.child);
  }
}

function measure(
  repoDir: string,
  facts: ClusterFacts,
  s: Subjects & { pfPort: number; pfPid: number },
  mode: string,
  ktctlPid: number,
  withProxy: boolean,
): Omit<Turn, 'mode' | 'ready'> {
  const label = `ktctl connect (${mode})`;
  const ways: Way[] = [
    { label, curl: (p) => [`http://${s.podIP}:8080${p}`], inLaptop: true, ktctl: true },
    ...(withProxy
      ? [
          {
            label: 'ktctl proxy (socks5h)',
            curl: (p: string) => ['--socks5-hostname', '127.0.0.1:2223', `http://${s.podIP}:8080${p}`],
            inLaptop: true,
            ktctl: true,
          },
        ]
      : []),
    { label: 'kubectl port-forward', curl: (p) => [`http://127.0.0.1:${s.pfPort}${p}`], inLaptop: true, ktctl: false },
    { label: 'direct from the host', curl: (p) => [`http://${s.podIP}:8080${p}`], inLaptop: false, ktctl: false },
  ];
  const shadowPid = podPid(
    facts,
    repoDir,
    sh(facts.kubectl, [
      '--kubeconfig',
      facts.adminKubeconfig,
      '-n',
      facts.testNamespace,
      'get',
      'pods',
      '-l',
      'kt-role=shadow-connect',
      '-o',
      'jsonpath={.items[0].metadata.name}',
    ]),
  );
  const cluster = clusterPids();
  const ledger = new CpuLedger();
  const watched = (way: Way): Watched =>
    way.ktctl ? { ktctl: ktctlPid, agent: shadowPid, ...cluster } : way.inLaptop ? { kubectl: s.pfPid, ...cluster } : {};
  const idle = footprint(ktctlPid);
  const single = ways.map(() => [] as number[]);
  const eight = ways.map(() => [] as number[]);
  let cpu = 0;
  let peakRss = idle.rssMiB;
  // Sampled right after each bulk transfer: a GC'd heap shrinks only slowly, so this is close to the peak.
  let shadowPeak = 0;
  // ktctl's CPU is counted only while its own mode carries the bytes.
  const failures = new Map<string, number>();
  const timed = (way: Way, run: () => number): number => {
    // A way that failed twice (kubectl port-forward sometimes stalls for good) is skipped for the turn.
    if ((failures.get(way.label) ?? 0) >= 2) return NaN;
    const before = footprint(ktctlPid);
    let value = NaN;
    try {
      value = ledger.charge(`${way.label}${way.ktctl ? '' : ` (${mode} turn)`}`, BULK, watched(way), run);
    } catch (error) {
      failures.set(way.label, (failures.get(way.label) ?? 0) + 1);
      console.error(`${way.label}: ${(error as Error).message.split('\n').slice(0, 2).join(' ')}`);
    }
    const after = footprint(ktctlPid);
    if (way.label === label) cpu += after.cpuSeconds - before.cpuSeconds;
    peakRss = Math.max(peakRss, after.rssMiB);
    if (shadowPid && way.ktctl) shadowPeak = Math.max(shadowPeak, footprint(shadowPid).rssMiB);
    return value;
  };
  for (let r = 0; r < REPEAT; r++) {
    ways.forEach((w, i) => single[i]!.push(timed(w, () => mbPerSecond(facts, w, `/bytes/${BULK}`))));
    ways.forEach((w, i) => eight[i]!.push(timed(w, () => parallelMbPerSecond(facts, w, 8))));
  }
  const pf = ways.findIndex((w) => w.label === 'kubectl port-forward');
  const bulk: Row[] = ways.map((w, i) => ({
    name: w.label,
    '1 stream MB/s': median(single[i]!),
    'vs kubectl pf': median(single[i]!) / median(single[pf]!),
    '8 streams MB/s': median(eight[i]!),
    'vs kubectl pf (8)': median(eight[i]!) / median(eight[pf]!),
  }));
  const script = join(repoDir, 'tools/bench/load/latency.mjs');
  const latencyOf = (url: string, laptop: boolean) =>
    JSON.parse(laptop ? inLaptop(facts, 'node', [script, url, '2000']) : sh('node', [script, url, '2000'])) as {
      p50: number;
      p99: number;
      failures: number;
    };
  const latency: Row[] = [
    { name: label, ...latencyOf(`http://${s.podIP}:8080/bytes/1024`, true) },
    { name: `kubectl port-forward (${mode} turn)`, ...latencyOf(`http://127.0.0.1:${s.pfPort}/bytes/1024`, true) },
    { name: `direct from the host (${mode} turn)`, ...latencyOf(`http://${s.podIP}:8080/bytes/1024`, false) },
  ];
  const fds = () => Number(sh('bash', ['-c', `ls /proc/${ktctlPid}/fd | wc -l`]));
  const fdsBefore = fds();
  const concurrentScript = join(repoDir, 'tools/bench/load/concurrent.mjs');
  const concurrent = JSON.parse(inLaptop(facts, 'node', [concurrentScript, s.echoIP, '9000', '1000'], 90_000)) as {
    ok: number;
    failed: number;
    ms: number;
  };
  const direct = JSON.parse(sh('node', [concurrentScript, s.echoIP, '9000', '1000'], 90_000)) as { ok: number; failed: number; ms: number };
  sh('sleep', ['3']);
  const fdsAfter = fds();
  const after = footprint(ktctlPid);
  const shadow = shadowPid ? footprint(shadowPid) : undefined;
  const carried = (REPEAT * 2 * BULK) / 1e9;
  const footprintRows: Row[] = [
    {
      name: `${mode}: ktctl RSS MiB (idle / peak in bulk / after 1000 conns)`,
      value: `${idle.rssMiB.toFixed(0)} / ${peakRss.toFixed(0)} / ${after.rssMiB.toFixed(0)}`,
    },
    {
      name: `${mode}: ktctl CPU seconds for its own ${carried.toFixed(1)} GB of bulk`,
      value: `${cpu.toFixed(1)} (${(cpu / carried).toFixed(2)} s/GB)`,
    },
    { name: `${mode}: ktctl open fds before / after 1000 conns`, value: `${fdsBefore} / ${fdsAfter}` },
    {
      name: `${mode}: shadow agent RSS MiB (after bulk / at the end)`,
      value: shadow ? `${shadowPeak.toFixed(0)} / ${shadow.rssMiB.toFixed(0)}` : 'n/a',
    },
  ];
  const concurrencyRows: Row[] = [
    { name: label, ok: concurrent.ok, failed: concurrent.failed, ms: concurrent.ms },
    { name: `direct from the host (${mode} turn)`, ok: direct.ok, failed: direct.failed, ms: direct.ms },
  ];
  return {
    cpu: ledger.rows(),
    bulk: bulk.map((row) =>
      row.name === label || row.name.startsWith('ktctl proxy') ? row : { ...row, name: `${row.name} (${mode} turn)` },
    ),
    latency,
    concurrency: concurrencyRows,
    footprint: footprintRows,
  };
}

function report(repoDir: string, turns: Turn[]): void {
  const all = (key: keyof Omit<Turn, 'mode'>): Row[] => turns.flatMap((t) => t[key]);
  const sections: [string, Row[]][] = [
    [`bulk download, 256 MiB (shaped turns: see netem.ts; median of ${REPEAT}; ratios within each turn)`, all('bulk')],
    ['latency, 2000 sequential 1 KiB requests (ms)', all('latency')],
    ['1000 concurrent echo connections', all('concurrency')],
    ['time to ready', all('ready')],
    ['footprint', all('footprint')],
    ['CPU seconds per GB of bulk, per process on the path (apiserver/kubelet/containerd include the rest of the cluster)', all('cpu')],
  ];
  for (const [title, rows] of sections) console.log(`\n${title}\n${table(rows)}`);
  const result = {
    bulk: all('bulk'),
    latency: all('latency'),
    concurrency: all('concurrency'),
    ready: all('ready'),
    footprint: all('footprint'),
    cpu: all('cpu'),
  };
  console.log(`\nresult: ${saveResult(repoDir, 'connect', result)}`);
}
