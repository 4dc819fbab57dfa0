/**
 * Loopback comparison, router vs direct, for HTTP/1.1 keep-alive and HTTP/2 (h2c): latency of sequential
 * requests (p50/p99) and throughput with 16 in flight. The backend and the bundled router run as their own
 * processes; this process is the client. Numbers on a 2-core machine include all three competing for CPU.
 *
 *   npm run build -w apps/router && npm run bench -w apps/router
 *
 * The routers run with the pod's Node flags (ROUTER_COMMAND); KT_BENCH_NODE_FLAGS='' compares without them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { annotationsText, BUNDLE, freePort, NODE_FLAGS, ruleSet } from '../test/support/harness.js';

const SEQUENTIAL = 5_000;
const CONCURRENCY = 16;
const THROUGHPUT_MS = 3_000;

type Send = () => Promise<void>;

function h1Sender(port: number): Send {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  return () =>
    new Promise((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: '/', agent, headers: { 'x-version': 'bench' } }, (res) => res.resume().on('end', resolve))
        .on('error', reject);
    });
}

function h2Sender(port: number): Send {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  return () =>
    new Promise((resolve, reject) => {
      const s = session.request({ ':path': '/', 'x-version': 'bench' }, { endStream: true });
      s.on('error', reject);
      s.resume().on('end', resolve);
    });
}

async function measure(send: Send): Promise<{ p50: number; p99: number; rps: number }> {
  for (let i = 0; i < 500; i++) await send();
  const times: number[] = [];
  for (let i = 0; i < SEQUENTIAL; i++) {
    const t = process.hrtime.bigint();
    await send();
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  times.sort((a, b) => a - b);
  let done = 0;
  const until = Date.now() + THROUGHPUT_MS;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < until) (await send(), done++);
    }),
  );
  return { p50: times[Math.floor(times.length * 0.5)]!, p99: times[Math.floor(times.length * 0.99)]!, rps: done / (THROUGHPUT_MS / 1000) };
}

function start(args: string[], env: NodeJS.ProcessEnv, readyText: string, stream: 'stdout' | 'stderr'): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let text = '';
    child[stream]!.on('data', (d: Buffer) => ((text += d), text.includes(readyText) && resolve(child)));
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}: ${text}`)));
  });
}

async function main(): Promise<void> {
  const [h1Port, h2Port, routerH1, routerH2, control1, control2] = (await Promise.all(Array.from({ length: 6 }, freePort))) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const dir = mkdtempSync(join(tmpdir(), 'kt-router-bench-'));
  writeFileSync(join(dir, 'annotations'), annotationsText(ruleSet(1, [['x-version', 'bench', 'mesh']])));
  const backend = await start(
    [fileURLToPath(new URL('./backend.mjs', import.meta.url)), String(h1Port), String(h2Port)],
    {},
    'ready',
    'stdout',
  );
  const router = (port: number, control: number, target: number) =>
    start(
      [...(process.env.KT_BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? NODE_FLAGS), BUNDLE],
      {
        KT_ROUTER_PORTS: String(port),
        KT_ROUTER_CONTROL_PORT: String(control),
        KT_ROUTER_ANNOTATIONS: join(dir, 'annotations'),
        KT_ROUTER_HOST: '127.0.0.1',
        KT_ROUTER_BACKEND_ADDRESSES: `mesh=127.0.0.1:${target},stuntman=127.0.0.1:${target}`,
      },
      ' ready: ',
      'stderr',
    );
  // One router per protocol, as the cluster has one per Service port, so each RSS figure is its own.
  const r1 = await router(routerH1, control1, h1Port);
  const r2 = await router(routerH2, control2, h2Port);
  const rows: string[] = [];
  const fmt = (name: string, m: Awaited<ReturnType<typeof measure>>) =>
    rows.push(`${name.padEnd(22)} ${m.rps.toFixed(0).padStart(7)} req/s   p50 ${m.p50.toFixed(3)} ms   p99 ${m.p99.toFixed(3)} ms`);
  try {
    fmt('HTTP/1.1 direct', await measure(h1Sender(h1Port)));
    fmt('HTTP/1.1 via router', await measure(h1Sender(routerH1)));
    fmt('HTTP/2 direct', await measure(h2Sender(h2Port)));
    fmt('HTTP/2 via router', await measure(h2Sender(routerH2)));
    const rss = (p: ChildProcess) => /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p.pid}/status`, 'utf8'))![1];
    rows.push(
      `router RSS after the run: HTTP/1.1 ${Math.round(Number(rss(r1)) / 1024)} MiB, HTTP/2 ${Math.round(Number(rss(r2)) / 1024)} MiB`,
    );
    process.stdout.write(`${rows.join('\n')}\n`);
  } finally {
    for (const p of [backend, r1, r2]) p.kill();
    rmSync(dir, { recursive: true, force: true });
  }
  process.exit(0);
}

void main();
