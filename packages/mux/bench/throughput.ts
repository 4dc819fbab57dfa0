// Bulk throughput on loopback TCP, each way, through: plain TCP; mux (this package, agent in its own
// process); ssh2 direct-tcpip into the real shadow agent (apps/shadow/dist/shadow.cjs, built by
// `node apps/shadow/scripts/bundle.mjs`), which is today's data path minus the port-forward.
// The target (download source, upload sink) is a third process. Prints a table and one JSON line; CPU is
// the time all processes on the path used per GiB moved (Linux /proc), steadier than MB/s on a busy machine.
//   npx tsx bench/throughput.ts [MiB=256] [repetitions=3]
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import ssh2 from 'ssh2';
import { MuxClient } from '../src/client.js';
import { opensshKeyPair } from '../src/test-helper.js';

const mib = Number(process.argv[2] ?? 256);
const repetitions = Number(process.argv[3] ?? 3);
const bytes = mib << 20;
const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
const AGENT = here('../../../apps/shadow/dist/shadow.cjs');
const children: ChildProcess[] = [];

/** Starts a child and resolves to the numbers it prints after `pattern`, then its pid. */
async function start(args: string[], pattern: RegExp, env: NodeJS.ProcessEnv = {}): Promise<number[]> {
  const child = spawn(process.execPath, args, { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = pattern.exec(output);
      if (match) resolve([...match.slice(1).map(Number), child.pid!]);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}: ${output}`)));
  });
}

async function tcp(port: number): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port, noDelay: true, allowHalfOpen: true });
  await once(socket, 'connect');
  return socket;
}

/** Seconds to read a whole download off `stream`. */
async function timeDownload(open: () => Promise<Duplex>): Promise<number> {
  const started = process.hrtime.bigint();
  const stream = await open();
  stream.on('error', () => undefined);
  let received = 0;
  stream.on('data', (chunk: Buffer) => (received += chunk.length));
  await once(stream, 'end');
  stream.end(); // the target closed both ways; so does the laptop, as a proxy client would
  if (received !== bytes) throw new Error(`downloaded ${received} of ${bytes} bytes`);
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/** Seconds to push `bytes` up `stream` and hear the sink's count back. */
async function timeUpload(open: () => Promise<Duplex>): Promise<number> {
  const started = process.hrtime.bigint();
  const stream = await open();
  stream.on('error', () => undefined);
  const chunk = Buffer.alloc(1 << 20, 3);
  let answer = '';
  stream.on('data', (d: Buffer) => (answer += d.toString()));
  const ended = once(stream, 'end');
  for (let left = bytes; left > 0; left -= chunk.length) if (!stream.write(chunk)) await once(stream, 'drain');
  stream.end();
  await ended;
  if (answer !== String(bytes)) throw new Error(`the sink counted ${answer} of ${bytes} bytes`);
  return Number(process.hrtime.bigint() - started) / 1e9;
}

function sshClient(port: number, privateKey: string): Promise<ssh2.Client> {
  const client = new ssh2.Client();
  return new Promise((resolve, reject) => {
    client.once('ready', () => resolve(client)).once('error', reject);
    void tcp(port).then((sock) => client.connect({ sock, username: 'kt', privateKey, hostVerifier: () => true }));
  });
}

function sshDial(client: ssh2.Client, port: number): Promise<Duplex> {
  return new Promise((resolve, reject) =>
    client.forwardOut('127.0.0.1', 0, '127.0.0.1', port, (error, channel) => (error ? reject(error) : resolve(channel))),
  );
}

/** A way through, and the agent process on it (whose CPU time counts too). */
type Path = { name: string; dial: (port: number) => Promise<Duplex>; agentPid?: number };

/** CPU milliseconds `pid` has used (Linux /proc; 0 elsewhere, and the table then shows 0). */
function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  if (pid === process.pid) {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  }
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // clock ticks of 10 ms (USER_HZ 100)
  } catch {
    return 0;
  }
}

async function paths(keys: { privateKey: string; publicKey: string }): Promise<Path[]> {
  const [muxPort, muxPid] = await start(['--import', 'tsx', here('./peers.ts'), 'mux'], /ready (\d+)/, {
    KT_BENCH_PUBLIC_KEY: keys.publicKey,
  });
  const mux = await MuxClient.connect({ transport: await tcp(muxPort!), privateKey: keys.privateKey });
  const list: Path[] = [
    { name: 'plain TCP', dial: (port) => tcp(port) },
    { name: 'mux', dial: (port) => mux.dial('127.0.0.1', port), agentPid: muxPid },
  ];
  if (!existsSync(AGENT)) {
    console.error(`skipping ssh2: no ${AGENT} (node apps/shadow/scripts/bundle.mjs builds it)`);
    return list;
  }
  const dir = mkdtempSync(join(tmpdir(), 'mux-bench-'));
  writeFileSync(join(dir, 'authorized_keys'), `${keys.publicKey}\n`);
  writeFileSync(join(dir, 'resolv.conf'), 'nameserver 127.0.0.1\n');
  const env = {
    KT_SSH_HOST: '127.0.0.1',
    KT_SSH_PORT: '0',
    KT_MUX_PORT: '0',
    KT_DNS_HOST: '127.0.0.1',
    KT_DNS_PORT: '0',
    KT_AUTHORIZED_KEYS: join(dir, 'authorized_keys'),
    KT_RESOLV_CONF: join(dir, 'resolv.conf'),
  };
  const [sshPort, sshPid] = await start([AGENT], /ready: ssh port (\d+)/, env);
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const ssh = await sshClient(sshPort!, keys.privateKey);
  list.push({ name: 'ssh2 direct-tcpip (shadow agent)', dial: (port) => sshDial(ssh, port), agentPid: sshPid });
  return list;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** CPU ms of every process on the path (laptop, agent, target) while `run` runs. */
async function withCpu(pids: Array<number | undefined>, run: () => Promise<number>): Promise<{ seconds: number; cpu: number }> {
  const before = pids.map(cpuMs);
  const seconds = await run();
  return { seconds, cpu: pids.map(cpuMs).reduce((sum, ms, i) => sum + ms - before[i]!, 0) };
}

async function measure(
  path: Path,
  ports: { download: number; upload: number; targetPid: number },
): Promise<{ path: string; downloadMBps: number; uploadMBps: number; cpuMsPerGiB: number }> {
  const pids = [process.pid, path.agentPid, ports.targetPid];
  const down: number[] = [];
  const up: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < repetitions; i++) {
    const d = await withCpu(pids, () => timeDownload(() => path.dial(ports.download)));
    const u = await withCpu(pids, () => timeUpload(() => path.dial(ports.upload)));
    down.push(bytes / 1e6 / d.seconds);
    up.push(bytes / 1e6 / u.seconds);
    cpu.push(((d.cpu + u.cpu) / 2) * (1024 / mib));
  }
  return {
    path: path.name,
    downloadMBps: Math.round(median(down)),
    uploadMBps: Math.round(median(up)),
    cpuMsPerGiB: Math.round(median(cpu)),
  };
}

async function main(): Promise<void> {
  const keys = opensshKeyPair();
  const [download, upload, targetPid] = await start(['--import', 'tsx', here('./peers.ts'), 'target', String(mib)], /ready (\d+) (\d+)/);
  const results = [];
  for (const path of await paths(keys)) {
    const r = await measure(path, { download: download!, upload: upload!, targetPid: targetPid! });
    results.push(r);
    console.log(
      `${r.path.padEnd(34)} download ${String(r.downloadMBps).padStart(5)} MB/s   upload ${String(r.uploadMBps).padStart(5)} MB/s   CPU ${String(r.cpuMsPerGiB).padStart(5)} ms/GiB   (median of ${repetitions}, ${mib} MiB)`,
    );
  }
  console.log(JSON.stringify({ mib, repetitions, node: process.version, results }));
}

main()
  .catch((error: Error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => {
    for (const child of children) child.kill();
    setTimeout(() => process.exit(), 100).unref();
  });
