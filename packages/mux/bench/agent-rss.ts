// The shadow agent's RSS while it carries mux bulk both ways, with Node's default young generation and
// with --max-semi-space-size=1 (what the router runs with): npx tsx bench/agent-rss.ts [MiB=256] [rounds=3]
// The agent is the real bundle (node apps/shadow/scripts/bundle.mjs); target and laptop as in throughput.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MuxClient } from '../src/client.js';
import { opensshKeyPair } from '../src/test-helper.js';

const mib = Number(process.argv[2] ?? 256);
const rounds = Number(process.argv[3] ?? 3);
const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
const AGENT = here('../../../apps/shadow/dist/shadow.cjs');
const children: ChildProcess[] = [];

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

const status = (pid: number, field: string): number =>
  Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

async function agentRss(flags: string[], keys: { privateKey: string; publicKey: string }, target: { download: number; upload: number }) {
  const dir = mkdtempSync(join(tmpdir(), 'agent-rss-'));
  writeFileSync(join(dir, 'authorized_keys'), `${keys.publicKey}\n`);
  writeFileSync(join(dir, 'resolv.conf'), 'nameserver 127.0.0.1\n');
  const [, , muxPort, pid] = await start([...flags, AGENT], /ready: ssh port (\d+), dns port (\d+) \(udp\+tcp\), mux port (\d+)/, {
    KT_SSH_HOST: '127.0.0.1',
    KT_SSH_PORT: '0',
    KT_MUX_PORT: '0',
    KT_DNS_HOST: '127.0.0.1',
    KT_DNS_PORT: '0',
    KT_AUTHORIZED_KEYS: join(dir, 'authorized_keys'),
    KT_RESOLV_CONF: join(dir, 'resolv.conf'),
  });
  const socket = connect({ host: '127.0.0.1', port: muxPort!, noDelay: true });
  await once(socket, 'connect');
  const mux = await MuxClient.connect({ transport: socket, privateKey: keys.privateKey });
  const idle = status(pid!, 'VmRSS');
  const started = process.hrtime.bigint();
  let peak = idle;
  const sampler = setInterval(() => (peak = Math.max(peak, status(pid!, 'VmRSS'))), 20);
  for (let r = 0; r < rounds; r++) {
    // 4 streams at once each way, as connect's pool spreads them.
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        const down = await mux.dial('127.0.0.1', target.download);
        down.on('data', () => undefined);
        await once(down, 'end');
        down.end();
        const up = await mux.dial('127.0.0.1', target.upload);
        const chunk = Buffer.alloc(256 * 1024);
        for (let sent = 0; sent < (mib << 20) / 4; sent += chunk.length) if (!up.write(chunk)) await once(up, 'drain');
        up.end();
        up.resume();
        await once(up, 'close');
      }),
    );
  }
  clearInterval(sampler);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const result = {
    flags: flags.join(' ') || '(default)',
    idle: idle.toFixed(0),
    peak: peak.toFixed(0),
    hwm: status(pid!, 'VmHWM').toFixed(0),
    seconds: seconds.toFixed(1),
  };
  mux.close();
  return result;
}

try {
  const keys = opensshKeyPair();
  const [download, upload] = await start(['--import', 'tsx', here('./peers.ts'), 'target', String(mib / 4)], /ready (\d+) (\d+)/);
  for (const flags of [[], ['--max-semi-space-size=1'], [], ['--max-semi-space-size=1']])
    console.log(JSON.stringify(await agentRss(flags, keys, { download: download!, upload: upload! })));
} finally {
  for (const child of children) child.kill();
}
