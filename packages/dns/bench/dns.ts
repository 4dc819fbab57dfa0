/**
 * The local DNS of `connect` on loopback (a program, not a test): 5 000 sequential lookups of service names
 * through localDNS — the real shadow agent behind an SshPool channel, dnsmasq standing in for CoreDNS — side
 * by side with asking that cluster DNS directly, plus an external name through localDNS against asking the
 * upstream directly. Each path runs REPEAT times; the table shows the median of the runs' p50 and p99.
 *
 *   npm run bench -w packages/dns            results: table on stdout, JSON in .cache/bench/dns.json
 */
import { connect, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SshPool } from '@ktctl/tunnel';
import { startLocalDns, type LocalDns } from '../src/index.js';
import { startDnsmasq, type Dnsmasq } from '@ktctl/testkit';
import { bundleAgent, startShadowAgent, type ShadowAgent } from '../test/shadow-agent.js';
import { median, quantile, saveResult, table, type Row } from '@ktctl/testkit';
import { sequentialLookups } from './udp-lookups.js';

const repoDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const LOOKUPS = Number(process.env.KT_BENCH_LOOKUPS ?? 5_000);
const REPEAT = Number(process.env.KT_BENCH_REPEAT ?? 3);
const SERVICES = Array.from({ length: 50 }, (_, i) => `svc-${i}`);

interface Path {
  name: string;
  server: { host: string; port: number };
  names: string[];
  /** Runs once before measuring, e.g. to fill a cache. */
  warm?: boolean;
}

interface Setup {
  cluster: Dnsmasq;
  external: Dnsmasq;
  agents: ShadowAgent[];
  pools: SshPool[];
  servers: LocalDns[];
}

function tcp(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, noDelay: true });
    socket.once('connect', () => resolve(socket)).once('error', reject);
  });
}

/** A localDNS whose cluster side is an agent (its own DNS cache `agentCacheTtl`) reached over SSH. */
async function localDns(setup: Setup, cacheTtl: number, agentCacheTtl: number): Promise<LocalDns> {
  const agent = await startShadowAgent(setup.cluster, 'team-a', [], { KT_DNS_CACHE_TTL: String(agentCacheTtl), KT_LOG_LEVEL: 'info' });
  setup.agents.push(agent);
  const pool = new SshPool({ openTransport: () => tcp(agent.sshPort), privateKey: agent.privateKey, sessions: 1 });
  setup.pools.push(pool);
  await pool.start();
  const server = await startLocalDns({
    port: 0,
    cacheTtl,
    upstreams: [setup.external],
    openClusterStream: () => pool.dial({ host: '127.0.0.1', port: agent.dnsPort }),
  });
  setup.servers.push(server);
  return server;
}

async function measure(path: Path): Promise<Row & { p50: number; p99: number }> {
  if (path.warm) await sequentialLookups(path.server, path.names, path.names.length);
  const runs = [];
  for (let i = 0; i < REPEAT; i++) runs.push(await sequentialLookups(path.server, path.names, LOOKUPS));
  const p50 = median(runs.map((r) => quantile(r.latenciesMs, 0.5)));
  const p99 = median(runs.map((r) => quantile(r.latenciesMs, 0.99)));
  return { name: path.name, lookups: LOOKUPS, runs: REPEAT, p50, p99, failures: runs.reduce((n, r) => n + r.failures, 0) };
}

async function main(): Promise<void> {
  bundleAgent();
  const setup: Setup = { agents: [], pools: [], servers: [], ...(await startPeers()) };
  try {
    const cold = await localDns(setup, 0, 0);
    const agentCached = await localDns(setup, 0, 60);
    const cached = await localDns(setup, 60, 60);
    const fqdns = SERVICES.map((s) => `${s}.team-a.svc.cluster.local`);
    const externals = SERVICES.map((s) => `${s}.example.test`);
    const rows = [];
    for (const path of [
      { name: 'baseline: cluster DNS asked directly (FQDN)', server: setup.cluster, names: fqdns },
      { name: 'localDNS, no cache anywhere (short name)', server: cold, names: SERVICES },
      { name: 'localDNS, agent cache only (short name)', server: agentCached, names: SERVICES },
      { name: 'localDNS, cached (short name)', server: cached, names: SERVICES, warm: true },
      { name: 'baseline: upstream asked directly (external)', server: setup.external, names: externals },
      { name: 'localDNS, no cache, external name', server: cold, names: externals },
    ] satisfies Path[])
      rows.push(await measure(path));
    const result = { node: process.version, lookups: LOOKUPS, repeat: REPEAT, targets: { p50Ms: 2, cachedP50Ms: 0.2 }, rows };
    process.stdout.write(
      `${table(rows)}\n(ms; median over runs of each run's p50/p99; targets: p50 ≤ 2 ms, cached p50 ≤ 0.2 ms)\n${saveResult(repoDir, 'dns', result)}\n`,
    );
  } finally {
    await Promise.allSettled(setup.servers.map((s) => s.close()));
    await Promise.allSettled(setup.pools.map((p) => p.close()));
    await Promise.allSettled([...setup.agents.map((a) => a.stop()), setup.cluster.stop(), setup.external.stop()]);
  }
}

async function startPeers(): Promise<{ cluster: Dnsmasq; external: Dnsmasq }> {
  const cluster = await startDnsmasq('127.0.0.1', {
    local: ['cluster.local'],
    records: SERVICES.map((s, i) => `${s}.team-a.svc.cluster.local,10.0.1.${i + 1}`),
  });
  const external = await startDnsmasq('127.0.0.2', { local: ['test'], addresses: ['/example.test/192.0.2.10'] }).catch(
    async (error: unknown) => {
      await cluster.stop();
      throw error;
    },
  );
  return { cluster, external };
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
