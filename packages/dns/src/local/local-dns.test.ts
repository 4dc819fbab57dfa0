/**
 * The local DNS server asked by dig, with real peers: the "cluster" is the real shadow agent reached through an
 * SSH direct-tcpip channel of @ktctl/tunnel's SshPool (as connect does), its DNS asking a dnsmasq serving
 * `cluster.local`; the laptop's original upstream is a second dnsmasq on 127.0.0.2 serving external names.
 * The connect namespace is team-a; a namespace is called `dev`; the laptop's search domain is corp.example.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshPool } from '@ktctl/tunnel';
import { dig, startDnsmasq, withoutTtl, type Dnsmasq } from '@ktctl/testkit';
import { bundleAgent, startShadowAgent, type ShadowAgent } from '../../test/shadow-agent.js';
import { startLocalDns, type LocalDns } from './local-dns.js';

let cluster: Dnsmasq | undefined;
let external: Dnsmasq | undefined;
let agent: ShadowAgent | undefined;
let pool: SshPool | undefined;
let local: LocalDns | undefined;
let cut: LocalDns | undefined;

beforeAll(async () => {
  bundleAgent();
  cluster = await startDnsmasq('127.0.0.1', {
    local: ['cluster.local'],
    records: [
      'web.team-a.svc.cluster.local,10.0.0.1,fd00::1',
      'web.team-b.svc.cluster.local,10.0.0.2',
      'web.dev.svc.cluster.local,10.0.0.5',
      'cached.team-a.svc.cluster.local,10.0.0.40',
    ],
    srv: ['_http._tcp.web.team-a.svc.cluster.local,web.team-a.svc.cluster.local,80,10,5'],
    failing: ['broken.svc.cluster.local'],
  });
  external = await startDnsmasq('127.0.0.2', {
    local: ['test', 'dev', 'example'],
    addresses: ['/example.test/192.0.2.10'],
    records: ['google.dev,192.0.2.20', 'wiki.corp.example,192.0.2.30'],
  });
  agent = await startShadowAgent(cluster, 'team-a', ['corp.example']);
  const { sshPort, dnsPort, privateKey } = agent;
  pool = new SshPool({ openTransport: () => tcp(sshPort), privateKey, sessions: 1 });
  await pool.start();
  const tunnel = pool;
  local = await startLocalDns({
    port: 0,
    upstreams: [{ host: external.host, port: external.port }],
    searchDomains: ['corp.example'],
    openClusterStream: () => tunnel.dial({ host: '127.0.0.1', port: dnsPort }),
  });
  // A tunnel that is down: the SSH port refuses, as while the port-forward reconnects.
  cut = await startLocalDns({ port: 0, upstreams: [{ host: external.host, port: external.port }], openClusterStream: () => tcp(1) });
}, 60_000);

afterAll(async () => {
  await Promise.allSettled([local?.close(), cut?.close()]);
  await pool?.close();
  await Promise.allSettled([agent?.stop(), cluster?.stop(), external?.stop()]);
}, 20_000);

function tcp(port: number): Promise<import('node:net').Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, noDelay: true });
    socket.once('connect', () => resolve(socket)).once('error', reject);
  });
}

const ask = (name: string, type = 'A', extra: string[] = []) => dig(local!.port, name, type, extra);
const records = async (name: string, type = 'A', extra: string[] = []) => withoutTtl((await ask(name, type, extra)).answers);

describe('localDNS with the real shadow agent through SSH', () => {
  it('short names resolve in the connect namespace, under the name asked', async () => {
    expect(await records('web')).toEqual(['web. IN A 10.0.0.1']);
  });

  it('svc.ns and the FQDN resolve in other namespaces', async () => {
    expect(await records('web.team-b')).toEqual(['web.team-b. IN A 10.0.0.2']);
    expect(await records('web.team-b.svc')).toEqual(['web.team-b.svc. IN A 10.0.0.2']);
    expect(await records('web.team-b.svc.cluster.local')).toEqual(['web.team-b.svc.cluster.local. IN A 10.0.0.2']);
  });

  it('a namespace called dev does not capture *.dev: web.dev is the cluster, google.dev the real one', async () => {
    expect(await records('web.dev')).toEqual(['web.dev. IN A 10.0.0.5']);
    expect(await records('google.dev')).toEqual(['google.dev. IN A 192.0.2.20']);
  });

  it('external names resolve through the original upstream', async () => {
    expect(await records('api.example.test')).toEqual(['api.example.test. IN A 192.0.2.10']);
    expect(await records('a.b.c.example.test')).toEqual(['a.b.c.example.test. IN A 192.0.2.10']);
  });

  it("a name with the laptop's search domain appended resolves in the cluster, and real names there still resolve", async () => {
    expect(await records('web.corp.example')).toEqual(['web.corp.example. IN A 10.0.0.1']);
    expect(await records('wiki.corp.example')).toEqual(['wiki.corp.example. IN A 192.0.2.30']);
  });

  it('passes NXDOMAIN through, for cluster-only and for ambiguous names', async () => {
    expect(await ask('nosuch')).toMatchObject({ status: 'NXDOMAIN', answers: [] });
    expect(await ask('nosuch.dev')).toMatchObject({ status: 'NXDOMAIN', answers: [] });
  });

  it("passes the cluster's SERVFAIL through", async () => {
    expect((await ask('web.broken.svc.cluster.local')).status).toBe('SERVFAIL');
  });

  it('answers AAAA, NOERROR without records, SRV and PTR for a cluster IP', async () => {
    expect(await records('web', 'AAAA')).toEqual(['web. IN AAAA fd00::1']);
    expect(await ask('web.team-b', 'AAAA')).toMatchObject({ status: 'NOERROR', answers: [] });
    expect(await records('_http._tcp.web.team-a.svc.cluster.local', 'SRV')).toEqual([
      '_http._tcp.web.team-a.svc.cluster.local. IN SRV 10 5 80 web.team-a.svc.cluster.local.',
    ]);
    expect(await records('10.0.0.2', '', ['-x'])).toEqual(['2.0.0.10.in-addr.arpa. IN PTR web.team-b.svc.cluster.local.']);
  });

  it('answers over TCP too', async () => {
    expect(await records('web.team-b', 'A', ['+tcp'])).toEqual(['web.team-b. IN A 10.0.0.2']);
  });

  it('serves a repeat from its cache without asking the cluster again', async () => {
    const asked = async () => (await cluster!.queries()).filter((q) => q.includes('cached.team-a')).length;
    expect(await records('cached')).toEqual(['cached. IN A 10.0.0.40']);
    const hits = local!.stats().cacheHits;
    expect(await records('CACHED')).toEqual(['CACHED. IN A 10.0.0.40']);
    expect(local!.stats().cacheHits).toBe(hits + 1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await asked()).toBe(1);
  });

  it('keeps one pipelined stream to the agent for many queries', async () => {
    const names = Array.from({ length: 20 }, (_, i) => `n${i}.team-b`);
    await Promise.all(names.map((name) => ask(name)));
    expect(local!.stats().clusterStreamsOpened).toBe(1);
  });
});

describe('localDNS when the tunnel drops and comes back', () => {
  it('answers SERVFAIL at once while reconnecting, then resolves over a new stream', async () => {
    const transports: import('node:net').Socket[] = [];
    const { sshPort, dnsPort, privateKey } = agent!;
    // While blocked the port-forward cannot be re-made, so the pool stays `reconnecting` as long as the test needs.
    let blocked = false;
    const openTransport = async () => transports[transports.push(await tcp(blocked ? 1 : sshPort)) - 1]!;
    const own = new SshPool({ openTransport, privateKey, sessions: 1 });
    await own.start();
    const server = await startLocalDns({
      port: 0,
      cacheTtl: 0,
      upstreams: [{ host: external!.host, port: external!.port }],
      openClusterStream: () => own.dial({ host: '127.0.0.1', port: dnsPort }),
      clusterUp: () => own.status === 'connected' || own.status === 'degraded',
    });
    try {
      expect(withoutTtl((await dig(server.port, 'web.team-b')).answers)).toEqual(['web.team-b. IN A 10.0.0.2']);
      blocked = true;
      transports.forEach((t) => t.destroy());
      await waitFor(() => own.status === 'reconnecting');
      const during = await dig(server.port, 'web.team-b.svc');
      expect(during.status).toBe('SERVFAIL');
      expect(during.ms).toBeLessThan(1_000);
      blocked = false;
      await waitFor(() => own.status === 'connected', 15_000);
      expect(withoutTtl((await dig(server.port, 'web.team-b.svc')).answers)).toEqual(['web.team-b.svc. IN A 10.0.0.2']);
      expect(server.stats().clusterStreamsOpened).toBe(2);
    } finally {
      await server.close();
      await own.close();
    }
  }, 30_000);
});

async function waitFor(condition: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('localDNS while the tunnel is down', () => {
  it('answers SERVFAIL fast for cluster-only names', async () => {
    const { status, ms } = await dig(cut!.port, 'web.team-b.svc');
    expect(status).toBe('SERVFAIL');
    expect(ms).toBeLessThan(1_500);
    expect((await dig(cut!.port, 'web')).status).toBe('SERVFAIL');
  });

  it('keeps resolving external names through the upstream', async () => {
    expect(withoutTtl((await dig(cut!.port, 'google.dev')).answers)).toEqual(['google.dev. IN A 192.0.2.20']);
    expect(withoutTtl((await dig(cut!.port, 'api.example.test')).answers)).toEqual(['api.example.test. IN A 192.0.2.10']);
  });
});
