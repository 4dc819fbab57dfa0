import { createSocket, type Socket } from 'node:dgram';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run, startBackground, type Background } from './process.js';
import { freePort } from './net.js';

/** A dnsmasq on 127.0.0.1 playing the cluster DNS, plus a server behind it that always fails. */
export interface ClusterDns {
  port: number;
  /** Lines of dnsmasq's query log so far. */
  queries(): Promise<string[]>;
  stop(): Promise<void>;
}

/** Answers every query with SERVFAIL, so dnsmasq passes a real SERVFAIL on for the domains it forwards here. */
async function failingServer(): Promise<Socket> {
  const socket = createSocket('udp4');
  socket.on('message', (query, rinfo) => {
    const reply = Buffer.from(query);
    reply[2] = 0x80 | (query[2]! & 0x79); // QR=1, keep opcode and RD
    reply[3] = 0x82; // RA=1, RCODE=SERVFAIL
    socket.send(reply, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return socket;
}

/** Starts dnsmasq with `records` (`--host-record` values), `srv` (`--srv-host` values), logging queries under `dir`. */
export async function startClusterDns(dir: string, records: string[], srv: string[]): Promise<ClusterDns> {
  const port = await freePort();
  const failing = await failingServer();
  const log = join(dir, 'dnsmasq.log');
  const args = [
    '--keep-in-foreground', '--user=root', '--no-resolv', '--no-hosts', '--pid-file=', '--bind-interfaces',
    '--listen-address=127.0.0.1', `--port=${port}`, '--local=/cluster.local/', '--local=/test/', '--local-ttl=300',
    `--server=/fail.example/127.0.0.1#${failing.address().port}`, '--log-queries', `--log-facility=${log}`,
    ...records.map((r) => `--host-record=${r}`), ...srv.map((s) => `--srv-host=${s}`),
  ];
  const dnsmasq: Background = await startBackground('dnsmasq', args, {});
  await waitForDns(port);
  return {
    port,
    queries: async () => (await readFile(log, 'utf8').catch(() => '')).split('\n').filter((l) => l.includes('query[')),
    stop: async () => {
      await dnsmasq.stop();
      failing.close();
    },
  };
}

async function waitForDns(port: number): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const probe = await run('dig', ['+time=1', '+tries=1', '@127.0.0.1', '-p', String(port), 'probe.test'], 3_000);
    if (/status:/.test(probe.stdout)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`dnsmasq on port ${port} does not answer`);
}

/** What dig saw: the status and the answer records, whitespace-normalised (`name ttl IN type data`). */
export async function dig(port: number, name: string, type = 'A', extra: string[] = []): Promise<{ status: string; answers: string[] }> {
  const result = await run('dig', ['+time=3', '+tries=1', '@127.0.0.1', '-p', String(port), ...extra, name, type], 10_000);
  const status = /status: (\w+)/.exec(result.stdout)?.[1] ?? `no answer: ${result.stdout}${result.stderr}`;
  const section = /;; ANSWER SECTION:\n([\s\S]*?)\n\n/.exec(result.stdout)?.[1] ?? '';
  return { status, answers: section.split('\n').filter(Boolean).map((l) => l.trim().split(/\s+/).join(' ')) };
}

/** Answer records without their TTL, which counts down. */
export function withoutTtl(answers: string[]): string[] {
  return answers.map((a) => a.split(' ').filter((_, i) => i !== 1).join(' '));
}
