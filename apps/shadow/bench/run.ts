/**
 * The shadow agent's benchmarks on loopback (a program, not a test): start time against `node -e 0`,
 * RSS idle and with 100 busy channels, and channel throughput against plain TCP, all in one run.
 *
 *   npm run bench -w apps/shadow            results: table on stdout, JSON in .cache/bench/shadow.json
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle } from '../scripts/bundle.mjs';
import { spawnAgent } from '../test/support/agent.js';
import { freePort } from '@ktctl/testkit';
import { connectClient } from '../test/support/ssh-client.js';
import { startClusterDns } from '../test/support/dnsmasq.js';
import { benchChannels } from './channels.js';
import { benchDns } from './dns.js';
import { benchStartup } from './startup.js';
import { saveResult, table } from '@ktctl/testkit';
import { benchThroughput } from './throughput.js';

const repoDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

async function main(): Promise<void> {
  await bundle();
  const clusterDns = await startClusterDns(['web.team-a.svc.cluster.local,10.0.0.1'], []);
  const agent = await spawnAgent({ KT_LOG_LEVEL: 'info', KT_DNS_UPSTREAM: `127.0.0.1:${clusterDns.port}` }, { dnsPort: await freePort() });
  try {
    const startupEnv = {
      PATH: process.env.PATH ?? '',
      KT_SSH_HOST: '127.0.0.1',
      KT_SSH_PORT: '0',
      KT_MUX_PORT: '0',
      KT_DNS_HOST: '127.0.0.1',
      KT_AUTHORIZED_KEYS: join(agent.dir, 'authorized_keys'),
      KT_RESOLV_CONF: join(agent.dir, 'resolv.conf'),
      KT_LOG_LEVEL: 'info',
    };
    const startup = await benchStartup(startupEnv);
    const client = await connectClient(agent);
    const memory = await benchChannels(agent, client);
    const single = await benchThroughput(agent, client, 256, 1);
    const parallel = await benchThroughput(agent, client, 256, 8);
    client.end();
    const dns = await benchDns(agent.dnsPort, clusterDns.port);
    const result = { node: process.version, startup, memory, throughput: { single, parallel8: parallel }, dns };
    process.stdout.write(
      `${table([
        { name: 'start (spawn → ready), ms', agent: startup.agentMs, baseline: startup.nodeMs, ratio: startup.ratio },
        {
          name: 'RSS MiB: idle / 100 busy channels (peak) / after close',
          agent: `${memory.idleRssMiB.toFixed(1)} / ${memory.peakRssMiB.toFixed(1)} / ${memory.afterCloseRssMiB.toFixed(1)}`,
        },
        {
          name: '256 MiB, 1 stream, MB/s: ssh2 client / OpenSSH -L',
          agent: `${single.ssh2MBps.toFixed(0)} / ${single.opensshMBps.toFixed(0)}`,
          baseline: single.directMBps,
          ratio: single.opensshMBps / single.directMBps,
        },
        {
          name: '256 MiB, 8 streams, MB/s: ssh2 client / OpenSSH -L',
          agent: `${parallel.ssh2MBps.toFixed(0)} / ${parallel.opensshMBps.toFixed(0)}`,
          baseline: parallel.directMBps,
          ratio: parallel.opensshMBps / parallel.directMBps,
        },
        {
          name: 'DNS p50 / p99 ms, 1000 sequential: agent cached',
          agent: `${dns.agentCachedMs.p50.toFixed(2)} / ${dns.agentCachedMs.p99.toFixed(2)}`,
          baseline: `${dns.directMs.p50.toFixed(2)} / ${dns.directMs.p99.toFixed(2)}`,
        },
        {
          name: 'DNS p50 / p99 ms, 1000 sequential: agent cache miss',
          agent: `${dns.agentMissMs.p50.toFixed(2)} / ${dns.agentMissMs.p99.toFixed(2)}`,
          baseline: `${dns.directMs.p50.toFixed(2)} / ${dns.directMs.p99.toFixed(2)}`,
        },
      ])}\n(baseline: node -e 0 for start; plain loopback TCP for throughput; dnsmasq asked directly for DNS)\n${saveResult(repoDir, 'shadow', result)}\n`,
    );
  } finally {
    await agent.stop();
    await clusterDns.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
