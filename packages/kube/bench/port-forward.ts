/**
 * Port-forward throughput and latency: ktctl's WebSocket forwarder vs `kubectl port-forward`, side by
 * side in one run against the same pod, rounds interleaved, medians reported. Loopback and the test
 * cluster only; every phase is bounded.
 *
 *   tsx packages/kube/bench/port-forward.ts [--kubeconfig f] [--namespace kt-e2e] [--selector app=echo]
 *        [--mib 256] [--rounds 3] [--pings 200] [--kubectl path] [--json]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { parseArgs } from 'node:util';
import { KubeClient, PortForwarder } from '../src/index.js';

const { values: args } = parseArgs({
  options: {
    kubeconfig: { type: 'string', default: '.cache/cluster/admin.kubeconfig' },
    namespace: { type: 'string', default: 'kt-e2e' },
    selector: { type: 'string', default: 'app=echo' },
    mib: { type: 'string', default: '256' },
    rounds: { type: 'string', default: '3' },
    pings: { type: 'string', default: '200' },
    streams: { type: 'string', default: '8' },
    kubectl: { type: 'string', default: '.cache/cluster/bin/kubectl' },
    json: { type: 'boolean', default: false },
  },
});
const BYTES = Number(args.mib) * 1024 * 1024;
const ROUND_LIMIT_MS = 120_000;

/** `streams` parallel downloads sharing BYTES; returns aggregate MiB/s. */
async function parallelDownload(port: number, streams: number): Promise<number> {
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: streams }, () => download(port, Math.floor(BYTES / streams))));
  return BYTES / 1024 / 1024 / (Number(process.hrtime.bigint() - started) / 1e9);
}

/** Downloads /bytes/<n> through a local port; returns MiB/s. */
function download(port: number, bytes = BYTES): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    let got = 0;
    const s = connect(port, '127.0.0.1', () => s.write(`GET /bytes/${bytes} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
    const timer = setTimeout(() => s.destroy(new Error('download timed out')), ROUND_LIMIT_MS);
    s.on('data', (d: Buffer) => (got += d.length));
    s.on('error', reject);
    s.on('close', () => {
      clearTimeout(timer);
      const secs = Number(process.hrtime.bigint() - started) / 1e9;
      if (got < bytes) reject(new Error(`short download: ${got} of ${bytes}`));
      else resolve(bytes / 1024 / 1024 / secs);
    });
  });
}

/** Round trips of 64 bytes through the TCP echo on one connection; returns the median in ms. */
function echoLatency(port: number, count: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const times: number[] = [];
    const s = connect(port, '127.0.0.1');
    s.setNoDelay(true);
    const msg = Buffer.alloc(64, 1);
    let got = 0;
    let t0 = 0n;
    const timer = setTimeout(() => s.destroy(new Error('latency run timed out')), ROUND_LIMIT_MS);
    const send = () => {
      t0 = process.hrtime.bigint();
      s.write(msg);
    };
    s.on('connect', send);
    s.on('error', reject);
    s.on('data', (d: Buffer) => {
      got += d.length;
      if (got < msg.length) return;
      got -= msg.length;
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (times.length < count) send();
      else {
        clearTimeout(timer);
        s.destroy();
        resolve(median(times));
      }
    });
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function startKubectl(pod: string): Promise<{ child: ChildProcess; http: number; echo: number }> {
  const child = spawn(
    args.kubectl,
    ['--kubeconfig', args.kubeconfig, '-n', args.namespace, 'port-forward', `pod/${pod}`, ':8080', ':9000'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  const ports = await new Promise<number[]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`kubectl port-forward did not start: ${out}`)), 15_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const found = [...out.matchAll(/Forwarding from 127\.0\.0\.1:(\d+) -> (\d+)/g)];
      if (found.length >= 2) {
        clearTimeout(timer);
        resolve(['8080', '9000'].map((p) => Number(found.find((m) => m[2] === p)![1])));
      }
    });
  });
  return { child, http: ports[0]!, echo: ports[1]! };
}

async function main(): Promise<void> {
  const kube = KubeClient.fromOptions({ kubeconfig: args.kubeconfig, namespace: args.namespace });
  const pods = await kube.list<{ metadata: { name: string }; status?: { phase?: string } }>(
    { apiVersion: 'v1', resource: 'pods', namespace: args.namespace },
    `labelSelector=${encodeURIComponent(args.selector)}`,
  );
  const pod = pods.items.find((p) => p.status?.phase === 'Running')?.metadata.name;
  if (!pod) throw new Error(`no running pod matches ${args.selector} in ${args.namespace}`);
  const ours = {
    http: await new PortForwarder(kube, { namespace: args.namespace, pod, port: 8080 }).listen(0),
    echo: await new PortForwarder(kube, { namespace: args.namespace, pod, port: 9000 }).listen(0),
  };
  const kubectl = await startKubectl(pod);
  const empty = () => ({ mibPerSec: [] as number[], parallelMibPerSec: [] as number[], rttMs: [] as number[] });
  const results = { ktctl: empty(), kubectl: empty() };
  try {
    for (let round = 0; round < Number(args.rounds); round++) {
      for (const [name, http, echo] of [
        ['ktctl', ours.http.port, ours.echo.port],
        ['kubectl', kubectl.http, kubectl.echo],
      ] as const) {
        results[name].mibPerSec.push(await download(http));
        results[name].parallelMibPerSec.push(await parallelDownload(http, Number(args.streams)));
        results[name].rttMs.push(await echoLatency(echo, Number(args.pings)));
      }
    }
  } finally {
    kubectl.child.kill('SIGTERM');
    await ours.http.close();
    await ours.echo.close();
    kube.close();
  }
  report(pod, results);
}

function report(pod: string, results: Record<string, { mibPerSec: number[]; parallelMibPerSec: number[]; rttMs: number[] }>): void {
  const rows = Object.entries(results).map(([name, r]) => ({
    name,
    mibPerSec: median(r.mibPerSec),
    parallelMibPerSec: median(r.parallelMibPerSec),
    rttMs: median(r.rttMs),
    rounds: r.mibPerSec.length,
  }));
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ pod, bytes: BYTES, rows }, null, 2)}\n`);
    return;
  }
  process.stdout.write(
    `port-forward to ${args.namespace}/${pod}: ${args.mib} MiB download (1 stream, then ${args.streams} streams), ${args.pings} × 64 B echo round trips; median of ${rows[0]?.rounds} interleaved rounds\n`,
  );
  process.stdout.write(`${'tool'.padEnd(10)}${'MiB/s'.padStart(10)}${`${args.streams}× MiB/s`.padStart(14)}${'RTT ms'.padStart(10)}\n`);
  for (const r of rows)
    process.stdout.write(
      `${r.name.padEnd(10)}${r.mibPerSec.toFixed(1).padStart(10)}${r.parallelMibPerSec.toFixed(1).padStart(14)}${r.rttMs.toFixed(3).padStart(10)}\n`,
    );
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
