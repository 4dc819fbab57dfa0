import { Packet, type Question, type Resource } from 'dns2';
import { describe, expect, it } from 'vitest';
import type { DnsQuestion } from '../upstream.js';
import type { DnsSource } from './dns-mode.js';
import { LocalResolver } from './local-resolver.js';

type Table = Record<string, string | number | 'down'>;

/** A source answering from a table: an address (A record, TTL 30), an rcode, or 'down' (rejects). */
function source(table: Table, asked: string[]): (question: DnsQuestion) => Promise<Packet> {
  return async (question) => {
    asked.push(question.name);
    const entry = table[question.name.toLowerCase()] ?? Packet.RCODE.NXDOMAIN;
    if (entry === 'down') throw new Error('unreachable');
    const packet = new Packet();
    packet.questions.push({ name: question.name, type: question.type, class: Packet.CLASS.IN } as Question);
    if (typeof entry === 'number') packet.header.rcode = entry;
    else packet.answers.push({ name: question.name, type: Packet.TYPE.A, class: Packet.CLASS.IN, ttl: 30, address: entry } as Resource);
    return packet;
  };
}

function setUp(cluster: Table, upstream: Table, order: DnsSource[] = ['cluster', 'upstream'], now?: () => number) {
  const asked = { cluster: [] as string[], upstream: [] as string[] };
  const resolver = new LocalResolver({
    order,
    clusterDomain: 'cluster.local',
    searchDomains: ['corp.example'],
    cacheTtl: 60,
    askCluster: source(cluster, asked.cluster),
    askUpstream: source(upstream, asked.upstream),
    ...(now ? { now } : {}),
  });
  const resolve = async (name: string) => {
    const r = await resolver.resolve({ name, type: Packet.TYPE.A });
    return { rcode: r.rcode, addresses: r.answers.map((a) => `${a.name} ${a.address}`), source: r.source };
  };
  return { resolver, asked, resolve };
}

describe('LocalResolver', () => {
  it('cluster-only names go only to the cluster, NXDOMAIN included', async () => {
    const { asked, resolve } = setUp({ web: '10.0.0.1' }, { web: '192.0.2.1', nosuch: '192.0.2.2' });
    expect(await resolve('web')).toEqual({ rcode: 0, addresses: ['web 10.0.0.1'], source: 'cluster' });
    expect((await resolve('nosuch')).rcode).toBe(Packet.RCODE.NXDOMAIN);
    expect(asked.upstream).toEqual([]);
  });

  it('a cluster NXDOMAIN for google.dev falls through to the upstream', async () => {
    const { resolve } = setUp({ 'web.dev.svc.cluster.local': '10.0.0.5' }, { 'google.dev': '192.0.2.7' });
    expect(await resolve('web.dev')).toEqual({ rcode: 0, addresses: ['web.dev 10.0.0.5'], source: 'cluster' });
    expect(await resolve('google.dev')).toEqual({ rcode: 0, addresses: ['google.dev 192.0.2.7'], source: 'upstream' });
  });

  it('localDNS:upstream,cluster asks the upstream first for ambiguous names', async () => {
    const { asked, resolve } = setUp({ 'web.dev.svc.cluster.local': '10.0.0.5' }, { 'web.dev': '192.0.2.5' }, ['upstream', 'cluster']);
    expect((await resolve('web.dev')).source).toBe('upstream');
    expect(asked.cluster).toEqual([]);
  });

  it('external names go to the upstream first, the cluster only after an NXDOMAIN', async () => {
    const { asked, resolve } = setUp({ 'db.internal.corp.aws': '10.0.9.9' }, { 'www.mail.example.com': '192.0.2.9' });
    expect((await resolve('www.mail.example.com')).source).toBe('upstream');
    expect(asked.cluster).toEqual([]);
    expect((await resolve('db.internal.corp.aws')).source).toBe('cluster');
  });

  it('SERVFAIL at once for a cluster-only name when the cluster is down; ambiguous names still resolve upstream', async () => {
    const { resolve } = setUp(
      { web: 'down', 'google.dev.svc.cluster.local': 'down', 'x.y.svc.cluster.local': 'down', 'a.b.c.example': 'down' },
      { 'google.dev': '192.0.2.7' },
    );
    expect(await resolve('web')).toEqual({ rcode: Packet.RCODE.SERVFAIL, addresses: [], source: 'none' });
    expect((await resolve('google.dev')).source).toBe('upstream');
    expect((await resolve('x.y')).rcode).toBe(Packet.RCODE.SERVFAIL);
    expect((await resolve('a.b.c.example')).rcode).toBe(Packet.RCODE.NXDOMAIN);
  });

  it('a NOERROR answer without records is final and passed through', async () => {
    const { asked, resolve } = setUp({ 'web.dev.svc.cluster.local': Packet.RCODE.NOERROR }, { 'web.dev': '192.0.2.5' });
    expect(await resolve('web.dev')).toEqual({ rcode: 0, addresses: [], source: 'cluster' });
    expect(asked.upstream).toEqual([]);
  });

  it('serves repeats from the cache under the spelling asked, with TTLs counted down, until they expire', async () => {
    let now = 0;
    const { asked, resolver, resolve } = setUp({ web: '10.0.0.1' }, {}, undefined, () => now);
    await resolve('web');
    now = 10_000;
    const hit = await resolver.resolve({ name: 'WEB.', type: Packet.TYPE.A });
    expect(hit.source).toBe('cache');
    expect(hit.answers.map((a) => [a.name, a.ttl])).toEqual([['WEB', 20]]);
    now = 31_000;
    await resolve('web');
    expect(asked.cluster).toEqual(['web', 'web']);
    expect(resolver.stats).toMatchObject({ queries: 3, cacheHits: 1, askedCluster: 2 });
  });

  it('never caches SERVFAIL, and shares one lookup among concurrent identical questions', async () => {
    const { asked, resolve } = setUp({ web: 'down' }, {});
    await Promise.all([resolve('web'), resolve('web'), resolve('web')]);
    expect(asked.cluster).toHaveLength(1);
    await resolve('web');
    expect(asked.cluster).toHaveLength(2);
  });
});
