import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { DnsServer } from 'dns2';
import type ssh2 from 'ssh2';
import type { Connection } from 'ssh2';
import { parseResolvConf, type Upstream } from '@ktctl/dns';
import type { AgentConfig } from './config.js';
import type { Log } from './log.js';
import { ClusterResolver } from './dns/cluster-resolver.js';
import { startDnsServer } from './dns/dns-server.js';
import { loadHostKey } from './ssh/host-key.js';
import { createSshServer, type SshStats } from './ssh/ssh-server.js';
import { startMuxServer, type MuxStats } from './mux/mux-server.js';

/** A running agent. */
export interface Agent {
  sshPort: number;
  muxPort: number;
  dnsPort: number;
  stats: SshStats;
  muxStats(): MuxStats;
  /** Stops listening, ends every SSH and mux connection and closes the DNS server. */
  close(): Promise<void>;
}

/** The upstream DNS server and search list: the pod's resolv.conf, unless KT_DNS_UPSTREAM overrides the server. */
async function clusterDns(config: AgentConfig): Promise<{ upstream: Upstream; search: string[] }> {
  const conf = parseResolvConf(await readFile(config.resolvConfPath, 'utf8').catch(() => ''));
  const first = conf.nameservers[0];
  const upstream = config.dnsUpstream ?? (first ? { host: first, port: 53 } : undefined);
  if (!upstream) throw new Error(`no nameserver in ${config.resolvConfPath} and KT_DNS_UPSTREAM is not set`);
  return { upstream, search: conf.search };
}

/** Starts the SSH, mux and DNS servers; rejects if any cannot listen. */
export async function startAgent(config: AgentConfig, log: Log): Promise<Agent> {
  const { upstream, search } = await clusterDns(config);
  log.info(
    `dns: upstream ${upstream.host}:${upstream.port}, search [${search.join(' ')}], laptop domains [${config.localDomains.join(' ')}]`,
  );
  const resolver = new ClusterResolver({ upstream, search, localDomains: config.localDomains, cacheTtl: config.dnsCacheTtl });
  const ssh = createSshServer({ ...config, hostKey: await loadHostKey(config.hostKeyPath), log });
  const [sshPort, mux, dns] = await Promise.all([
    listen(ssh.server, config.sshHost, config.sshPort),
    startMuxServer(config, log),
    startDnsServer(resolver, config.dnsHost, config.dnsPort, log),
  ]);
  const dnsPort = (dns.addresses().udp as AddressInfo).port;
  const close = (): Promise<void> => Promise.all([closeAll(ssh.server, ssh.clients, dns), mux.close()]).then(() => undefined);
  return { sshPort, muxPort: mux.port, dnsPort, stats: ssh.stats, muxStats: mux.stats, close };
}

function listen(server: ssh2.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const args: [number, ...string[]] = host ? [port, host] : [port];
    server.listen(...args, () => resolve((server.address() as AddressInfo).port));
  });
}

async function closeAll(server: ssh2.Server, clients: Set<Connection>, dns: DnsServer): Promise<void> {
  const sshClosed = new Promise<void>((resolve) => server.close(() => resolve()));
  for (const client of clients) client.end();
  await Promise.all([sshClosed, dns.close()]);
}
