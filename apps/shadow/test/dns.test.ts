/**
 * The agent's DNS server asked by dig, with dnsmasq on loopback as the cluster DNS serving `cluster.local`.
 * The agent's pod search list is `team-a.svc.cluster.local svc.cluster.local cluster.local`, the laptop's
 * search domain `corp.example`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnAgent, type AgentProcess } from './support/agent.js';
import { dig, startClusterDns, withoutTtl, type ClusterDns } from './support/dnsmasq.js';
import { freePort, run } from '@ktctl/testkit';

const RECORDS = [
  'web.team-a.svc.cluster.local,10.0.0.1,fd00::1',
  'web.team-b.svc.cluster.local,10.0.0.2',
  'web.team-b.team-a.svc.cluster.local,10.0.0.9',
  'db-0.db.team-a.svc.cluster.local,10.0.0.4',
  'db-0.db.team-b.svc.cluster.local,10.0.0.3',
  'api.corp.test,192.0.2.10',
  'api.corp.test.svc.cluster.local,10.0.0.20',
  'a.b.c.d.test.cluster.local,10.0.0.30',
  'cached.team-a.svc.cluster.local,10.0.0.40',
  // 100 addresses: more than fits a 512-byte UDP answer, so both the upstream and the agent truncate.
  ...Array.from({ length: 100 }, (_, i) => `big.team-a.svc.cluster.local,10.1.0.${i + 1}`),
];
const SRV = ['_http._tcp.web.team-a.svc.cluster.local,web.team-a.svc.cluster.local,80,10,5'];

let agent: AgentProcess;
let clusterDns: ClusterDns;

beforeAll(async () => {
  clusterDns = await startClusterDns(RECORDS, SRV);
  agent = await spawnAgent(
    { KT_DNS_UPSTREAM: `127.0.0.1:${clusterDns.port}`, KT_LOCAL_DOMAINS: 'corp.example' },
    { dnsPort: await freePort() },
  );
});

afterAll(async () => {
  await agent?.stop();
  await clusterDns?.stop();
});

const ask = (name: string, type = 'A', extra: string[] = []) => dig(agent.dnsPort, name, type, extra);

describe('search-list expansion by label count', () => {
  it('1 label: <ns>.svc.<domain> first, answered under the name asked', async () => {
    expect(await ask('web')).toEqual({ status: 'NOERROR', answers: ['web. 300 IN A 10.0.0.1'] });
  });

  it('2 labels: svc.<domain> before <ns>.svc.<domain>', async () => {
    expect(withoutTtl((await ask('web.team-b')).answers)).toEqual(['web.team-b. IN A 10.0.0.2']);
  });

  it('2 labels: falls back to <ns>.svc.<domain> (a StatefulSet pod of the own namespace)', async () => {
    expect(withoutTtl((await ask('db-0.db')).answers)).toEqual(['db-0.db. IN A 10.0.0.4']);
  });

  it('3 labels: as is first, then svc.<domain>, then <domain>', async () => {
    expect(withoutTtl((await ask('api.corp.test')).answers)).toEqual(['api.corp.test. IN A 192.0.2.10']);
    expect(withoutTtl((await ask('web.team-b.svc')).answers)).toEqual(['web.team-b.svc. IN A 10.0.0.2']);
  });

  it('4 labels: as is, then <domain>', async () => {
    expect(withoutTtl((await ask('db-0.db.team-b.svc')).answers)).toEqual(['db-0.db.team-b.svc. IN A 10.0.0.3']);
  });

  it('5 labels and more: only as is', async () => {
    expect(withoutTtl((await ask('web.team-b.svc.cluster.local')).answers)).toEqual(['web.team-b.svc.cluster.local. IN A 10.0.0.2']);
    expect(await ask('a.b.c.d.test')).toEqual({ status: 'NXDOMAIN', answers: [] });
  });
});

describe('answers', () => {
  it("strips the laptop's search domain and answers under the full name asked", async () => {
    expect(withoutTtl((await ask('web.corp.example')).answers)).toEqual(['web.corp.example. IN A 10.0.0.1']);
  });

  it('passes NXDOMAIN through', async () => {
    expect(await ask('nosuch')).toEqual({ status: 'NXDOMAIN', answers: [] });
  });

  it('passes SERVFAIL through', async () => {
    expect((await ask('x.fail.example')).status).toBe('SERVFAIL');
  });

  it('answers AAAA, and NOERROR without records for a name that has only A', async () => {
    expect(withoutTtl((await ask('web', 'AAAA')).answers)).toEqual(['web. IN AAAA fd00::1']);
    expect(await ask('web.team-b', 'AAAA')).toEqual({ status: 'NOERROR', answers: [] });
  });

  it('answers SRV', async () => {
    const { status, answers } = await ask('_http._tcp.web.team-a.svc.cluster.local', 'SRV');
    expect(status).toBe('NOERROR');
    expect(withoutTtl(answers)).toEqual(['_http._tcp.web.team-a.svc.cluster.local. IN SRV 10 5 80 web.team-a.svc.cluster.local.']);
  });

  it('answers over TCP too', async () => {
    expect(withoutTtl((await ask('web', 'A', ['+tcp'])).answers)).toEqual(['web. IN A 10.0.0.1']);
  });

  it('answers too big for UDP: truncated over UDP, complete over TCP, from an upstream that truncated too', async () => {
    const truncated = await run(
      'dig',
      ['+time=3', '+tries=1', '+noedns', '+ignore', '@127.0.0.1', '-p', String(agent.dnsPort), 'big'],
      10_000,
    );
    expect(truncated.stdout).toMatch(/flags: qr tc/);
    const { status, answers } = await ask('big');
    expect(status).toBe('NOERROR');
    expect(answers).toHaveLength(100);
    expect(answers[0]).toMatch(/^big\. \d+ IN A 10\.1\.0\.\d+$/);
  });

  it('serves a repeated question from its cache without asking upstream again', async () => {
    const asked = async () => (await clusterDns.queries()).filter((q) => q.includes('cached.team-a')).length;
    expect((await ask('cached')).answers).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const afterFirst = await asked();
    expect(afterFirst).toBe(1);
    expect(withoutTtl((await ask('cached')).answers)).toEqual(['cached. IN A 10.0.0.40']);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await asked()).toBe(afterFirst);
  });
});
