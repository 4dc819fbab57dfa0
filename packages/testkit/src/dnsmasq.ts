import { createSocket, type Socket } from 'node:dgram';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { run, startBackground } from './processes.js';

/** A dnsmasq on loopback serving fixed records, logging the queries it gets. */
export interface Dnsmasq {
  host: string;
  port: number;
  /** Query lines of its log so far. */
  queries(): Promise<string[]>;
  stop(): Promise<void>;
}

export interface DnsmasqZone {
  /** `--host-record` values (name,address[,address]); PTR records come with them. */
  records?: string[];
  /** `--address` values (`/domain/address`): every name under the domain. */
  addresses?: string[];
  /** `--srv-host` values. */
  srv?: string[];
  /** Domains answered locally, so unknown names under them are NXDOMAIN. */
  local: string[];
  /** Domains whose queries get SERVFAIL (forwarded to a server that always fails). */
  failing?: string[];
}

/** Answers every query with SERVFAIL, so dnsmasq passes a real SERVFAIL on. */
async function failingServer(): Promise<Socket> {
  const socket = createSocket('udp4');
  socket.on('message', (query, rinfo) => {
    const reply = Buffer.from(query);
    reply[2] = 0x80 | (query[2]! & 0x79);
    reply[3] = 0x82;
    socket.send(reply, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return socket;
}

/** Starts dnsmasq (Debian `dnsmasq-base`) on `host` with the zone; waits until it answers. */
export async function startDnsmasq(host: string, zone: DnsmasqZone): Promise<Dnsmasq> {
  const dir = await mkdtemp(join(tmpdir(), 'kt-dns-dnsmasq-'));
  const port = await freePort();
  const failing = await failingServer();
  const log = join(dir, 'queries.log');
  const args = [
    '--keep-in-foreground',
    '--no-resolv',
    '--no-hosts',
    '--pid-file=',
    '--bind-interfaces',
    '--user=root',
    `--listen-address=${host}`,
    `--port=${port}`,
    '--local-ttl=300',
    '--log-queries',
    `--log-facility=${log}`,
    ...zone.local.map((d) => `--local=/${d}/`),
    ...(zone.failing ?? []).map((d) => `--server=/${d}/127.0.0.1#${failing.address().port}`),
    ...(zone.records ?? []).map((r) => `--host-record=${r}`),
    ...(zone.addresses ?? []).map((a) => `--address=${a}`),
    ...(zone.srv ?? []).map((s) => `--srv-host=${s}`),
  ];
  const dnsmasq = await startBackground('dnsmasq', args);
  const stop = async (): Promise<void> => {
    await dnsmasq.stop();
    failing.close();
    await rm(dir, { recursive: true, force: true });
  };
  await waitForDns(host, port).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return {
    host,
    port,
    stop,
    queries: async () => (await readFile(log, 'utf8').catch(() => '')).split('\n').filter((l) => l.includes('query[')),
  };
}

async function waitForDns(host: string, port: number): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const probe = await run('dig', ['+time=1', '+tries=1', `@${host}`, '-p', String(port), 'probe.invalid'], 3_000);
    if (/status:/.test(probe.stdout)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`dnsmasq on ${host}:${port} does not answer`);
}

/** What dig saw: status, answer records (`name ttl IN type data`, whitespace-normalised), and its wall time. */
export async function dig(
  port: number,
  name: string,
  type = 'A',
  extra: string[] = [],
): Promise<{ status: string; answers: string[]; ms: number }> {
  const started = performance.now();
  const result = await run('dig', ['+time=3', '+tries=1', '@127.0.0.1', '-p', String(port), ...extra, name, type], 10_000);
  const ms = performance.now() - started;
  const status = /status: (\w+)/.exec(result.stdout)?.[1] ?? `no answer: ${result.stdout}${result.stderr}`;
  const section = /;; ANSWER SECTION:\n([\s\S]*?)\n\n/.exec(result.stdout)?.[1] ?? '';
  return {
    status,
    answers: section
      .split('\n')
      .filter(Boolean)
      .map((l) => l.trim().split(/\s+/).join(' ')),
    ms,
  };
}

/** Answer records without their TTL, which counts down. */
export function withoutTtl(answers: string[]): string[] {
  return answers.map((a) =>
    a
      .split(' ')
      .filter((_, i) => i !== 1)
      .join(' '),
  );
}
