// `npm run bench -- connect`: ktctl connect (sshuttle mode and its proxy) side by side with kubectl
// port-forward and the pod reached directly from the host, in one run, from the laptop namespace.
// Needs root and the local test cluster (npm run cluster:up). Every step is bounded.
import { join } from 'node:path';
import { quantile, saveResult, table, type Row } from './stats.js';
import { clusterFacts, footprint, inLaptop, sh, startInLaptop, stop, waitForOutput, type ClusterFacts } from './proc.js';

const BULK = 256 * 1024 * 1024;
const REPEAT = 3;

interface Paths {
  readonly label: string;
  /** curl arguments that fetch `path` from the web pod this way. */
  readonly curl: (path: string) => string[];
  readonly inLaptop: boolean;
}

function mbPerSecond(facts: ClusterFacts, way: Paths, path: string): number {
  const args = ['-sS', '--max-time', '120', '-o', '/dev/null', '-w', '%{speed_download}', ...way.curl(path)];
  const out = way.inLaptop ? inLaptop(facts, 'curl', args, 150_000) : sh('curl', args, 150_000);
  return Number(out) / 1e6;
}

function parallelMbPerSecond(facts: ClusterFacts, way: Paths, streams: number): number {
  const each = BULK / streams;
  const curls = Array.from({ length: streams }, () => `curl -sS --max-time 120 -o /dev/null ${way.curl(`/bytes/${each}`).map((a) => `'${a}'`).join(' ')} &`).join(' ');
  const script = `start=$(date +%s.%N); ${curls} wait; end=$(date +%s.%N); echo "$start $end"`;
  const out = way.inLaptop ? inLaptop(facts, 'bash', ['-c', script], 150_000) : sh('bash', ['-c', script], 150_000);
  const [start, end] = out.trim().split(' ').map(Number);
  return BULK / (end! - start!) / 1e6;
}

function median(values: number[]): number {
  return quantile(values, 0.5);
}

/** Host pid of a pod's container (single-node cluster: containerd runs it here). */
function podPid(facts: ClusterFacts, repoDir: string, pod: string): number | undefined {
  const id = sh(facts.kubectl, ['--kubeconfig', facts.adminKubeconfig, '-n', facts.testNamespace, 'get', 'pod', pod, '-o', 'jsonpath={.status.containerStatuses[0].containerID}']).replace('containerd://', '');
  const sock = (JSON.parse(sh('cat', [join(repoDir, '.cache/cluster/cluster.json')])) as { containerdSocket: string }).containerdSocket;
  const line = sh('ctr', ['--address', sock, '-n', 'k8s.io', 'task', 'ls']).split('\n').find((l) => l.startsWith(id));
  return line ? Number(line.split(/\s+/)[1]) : undefined;
}

export async function runConnect(repoDir: string): Promise<void> {
  const facts = clusterFacts(repoDir);
  const ns = facts.testNamespace;
  const kubectl = (args: string[]) => sh(facts.kubectl, ['--kubeconfig', facts.adminKubeconfig, '-n', ns, ...args]);
  sh('bash', [join(repoDir, 'e2e/prepare-ktctl.sh')], 600_000);
  const webPod = kubectl(['get', 'pod', '-l', 'app=web', '-o', 'jsonpath={.items[0].metadata.name}']);
  const podIP = kubectl(['get', 'pod', webPod, '-o', 'jsonpath={.status.podIP}']);
  const echoIP = kubectl(['get', 'svc', 'echo', '-o', 'jsonpath={.spec.clusterIP}']);
  const ktctl = join(repoDir, 'apps/ktctl/dist/bin/ktctl-linux-x64');

  const started = Date.now();
  const marks: Record<string, number> = {};
  const connect = startInLaptop(facts, ktctl, ['connect', '-c', facts.adminKubeconfig, '-n', ns, '--mode', 'sshuttle'], { KT_HOME: join(repoDir, '.cache/bench-kt') });
  const phases: [string, RegExp][] = [['pod scheduled', /on node/], ['image present', /already present|pulled|pulling/], ['pod running', /agent started/], ['tunnel up', /Tunnel: connected/], ['DNS up', /Press Ctrl-C/]];
  const watcher = setInterval(() => {
    for (const [name, re] of phases) if (marks[name] === undefined && re.test(connect.output())) marks[name] = Date.now() - started;
  }, 20);
  const forward = startInLaptop(facts, facts.kubectl, ['--kubeconfig', facts.adminKubeconfig, '-n', ns, 'port-forward', `pod/${webPod}`, '18080:8080']);
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
    await waitForOutput(forward.output, /Forwarding from/, 30_000);
    await report(repoDir, facts, { podIP, echoIP, webPod, ktctlPid: connect.child.pid!, marks });
  } finally {
    clearInterval(watcher);
    await stop(forward.child);
    await stop(connect.child);
  }
}

interface Subjects {
  podIP: string;
  echoIP: string;
  webPod: string;
  ktctlPid: number;
  marks: Record<string, number>;
}

async function report(repoDir: string, facts: ClusterFacts, s: Subjects): Promise<void> {
  const ways: Paths[] = [
    { label: 'ktctl connect (sshuttle)', curl: (p) => [`http://${s.podIP}:8080${p}`], inLaptop: true },
    { label: 'ktctl proxy (socks5h)', curl: (p) => ['--socks5-hostname', '127.0.0.1:2223', `http://${s.podIP}:8080${p}`], inLaptop: true },
    { label: 'kubectl port-forward', curl: (p) => [`http://127.0.0.1:18080${p}`], inLaptop: true },
    { label: 'direct from the host', curl: (p) => [`http://${s.podIP}:8080${p}`], inLaptop: false },
  ];
  const before = footprint(s.ktctlPid);
  const single = ways.map(() => [] as number[]);
  const eight = ways.map(() => [] as number[]);
  for (let r = 0; r < REPEAT; r++) {
    ways.forEach((w, i) => single[i]!.push(mbPerSecond(facts, w, `/bytes/${BULK}`)));
    ways.forEach((w, i) => eight[i]!.push(parallelMbPerSecond(facts, w, 8)));
  }
  const afterBulk = footprint(s.ktctlPid);
  const pfIndex = 2;
  const bulkRows: Row[] = ways.map((w, i) => ({
    name: w.label,
    '1 stream MB/s': median(single[i]!),
    'vs kubectl pf': median(single[i]!) / median(single[pfIndex]!),
    '8 streams MB/s': median(eight[i]!),
    'vs kubectl pf (8)': median(eight[i]!) / median(eight[pfIndex]!),
  }));
  const latencyOf = (url: string, laptop: boolean) => JSON.parse(laptop ? inLaptop(facts, 'node', [join(repoDir, 'tools/bench/load/latency.mjs'), url, '2000']) : sh('node', [join(repoDir, 'tools/bench/load/latency.mjs'), url, '2000'])) as { p50: number; p99: number; failures: number };
  const latency = [
    { name: 'ktctl connect (sshuttle)', ...latencyOf(`http://${s.podIP}:8080/bytes/1024`, true) },
    { name: 'kubectl port-forward', ...latencyOf('http://127.0.0.1:18080/bytes/1024', true) },
    { name: 'direct from the host', ...latencyOf(`http://${s.podIP}:8080/bytes/1024`, false) },
  ];
  const fdsBefore = Number(sh('bash', ['-c', `ls /proc/${s.ktctlPid}/fd | wc -l`]));
  const concurrent = JSON.parse(inLaptop(facts, 'node', [join(repoDir, 'tools/bench/load/concurrent.mjs'), s.echoIP, '9000', '1000'], 90_000)) as { ok: number; failed: number; ms: number };
  const direct = JSON.parse(sh('node', [join(repoDir, 'tools/bench/load/concurrent.mjs'), s.echoIP, '9000', '1000'], 90_000)) as { ok: number; failed: number; ms: number };
  await new Promise((r) => setTimeout(r, 3000));
  const fdsAfter = Number(sh('bash', ['-c', `ls /proc/${s.ktctlPid}/fd | wc -l`]));
  const after = footprint(s.ktctlPid);
  const shadowPid = podPid(facts, repoDir, sh(facts.kubectl, ['--kubeconfig', facts.adminKubeconfig, '-n', facts.testNamespace, 'get', 'pods', '-l', 'kt-role=shadow-connect', '-o', 'jsonpath={.items[0].metadata.name}']));
  const shadow = shadowPid ? footprint(shadowPid) : undefined;
  const footprintRows: Row[] = [
    { name: 'ktctl RSS MiB (idle / after bulk / after 1000 conns)', value: `${before.rssMiB.toFixed(0)} / ${afterBulk.rssMiB.toFixed(0)} / ${after.rssMiB.toFixed(0)}` },
    { name: 'ktctl CPU seconds during the bulk runs', value: (afterBulk.cpuSeconds - before.cpuSeconds).toFixed(1) },
    { name: 'ktctl open fds before / after 1000 conns', value: `${fdsBefore} / ${fdsAfter}` },
    { name: 'shadow agent RSS MiB', value: shadow ? shadow.rssMiB.toFixed(0) : 'n/a' },
  ];
  const concurrencyRows: Row[] = [
    { name: 'ktctl connect (sshuttle)', ok: concurrent.ok, failed: concurrent.failed, ms: concurrent.ms },
    { name: 'direct from the host', ok: direct.ok, failed: direct.failed, ms: direct.ms },
  ];
  const readyRows: Row[] = Object.entries(s.marks).sort((a, b) => a[1] - b[1]).map(([name, ms]) => ({ name, 'ms since start': ms }));
  for (const [title, rows] of [['bulk download, 256 MiB (median of 3)', bulkRows], ['latency, 2000 sequential 1 KiB requests (ms)', latency as Row[]], ['1000 concurrent echo connections', concurrencyRows], ['time to ready', readyRows], ['footprint', footprintRows]] as const) {
    console.log(`\n${title}\n${table(rows)}`);
  }
  console.log(`\nresult: ${saveResult(repoDir, 'connect', { bulk: bulkRows, latency, concurrency: concurrencyRows, ready: readyRows, footprint: footprintRows })}`);
}
