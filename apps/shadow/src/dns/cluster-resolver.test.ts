import { Packet, type Resource } from 'dns2';
import { UpstreamError, type DnsQuestion } from '@ktctl/dns';
import { describe, expect, it } from 'vitest';
import { ClusterResolver } from './cluster-resolver.js';

const search = ['team-a.svc.cluster.local', 'svc.cluster.local', 'cluster.local'];

/** An upstream given as a table: name → rcode and A addresses. Records every name asked. */
function upstream(table: Record<string, { rcode?: number; a?: string[]; ttl?: number }>) {
  const asked: string[] = [];
  const ask = async (_: unknown, q: DnsQuestion): Promise<Packet> => {
    asked.push(q.name);
    const entry = table[q.name] ?? { rcode: Packet.RCODE.NXDOMAIN };
    const response = new Packet();
    response.header.rcode = entry.rcode ?? Packet.RCODE.NOERROR;
    response.answers = (entry.a ?? []).map(
      (address) => ({ name: q.name, type: Packet.TYPE.A, class: 1, ttl: entry.ttl ?? 30, address }) as Resource,
    );
    return response;
  };
  return { ask, asked };
}

const resolver = (ask: ReturnType<typeof upstream>['ask'], cacheTtl = 60) =>
  new ClusterResolver({ upstream: { host: '127.0.0.1', port: 53 }, search, localDomains: ['corp.example'], cacheTtl, ask });

describe('ClusterResolver', () => {
  it('tries candidates in order and answers under the asked name', async () => {
    const up = upstream({ 'web.team-a.svc.cluster.local': { a: ['10.0.0.1'] } });
    const result = await resolver(up.ask).resolve({ name: 'web.corp.example', type: Packet.TYPE.A });
    expect(result.answers.map((a) => [a.name, a.address])).toEqual([['web.corp.example', '10.0.0.1']]);
    expect(up.asked).toEqual(['web.team-a.svc.cluster.local']);
  });

  it('falls back to the unstripped name after the expansions', async () => {
    const up = upstream({ 'intranet.corp.example': { a: ['192.0.2.1'] } });
    await resolver(up.ask).resolve({ name: 'intranet.corp.example', type: Packet.TYPE.A });
    expect(up.asked).toEqual(['intranet.team-a.svc.cluster.local', 'intranet', 'intranet.corp.example']);
  });

  it('prefers NODATA, then SERVFAIL, then NXDOMAIN when nothing answers', async () => {
    const rcode = async (table: Parameters<typeof upstream>[0]) =>
      (await resolver(upstream(table).ask).resolve({ name: 'x.y.z', type: 1 })).rcode;
    expect(await rcode({ 'x.y.z.svc.cluster.local': { rcode: Packet.RCODE.SERVFAIL } })).toBe(Packet.RCODE.SERVFAIL);
    expect(await rcode({ 'x.y.z': { rcode: Packet.RCODE.SERVFAIL }, 'x.y.z.cluster.local': {} })).toBe(Packet.RCODE.NOERROR);
    expect(await rcode({ 'x.y.z': { rcode: Packet.RCODE.REFUSED } })).toBe(Packet.RCODE.NXDOMAIN);
  });

  it('caches answers no longer than their TTL and the configured TTL, and not failures', async () => {
    const up = upstream({
      'a.team-a.svc.cluster.local': { a: ['10.0.0.1'], ttl: 0 },
      'b.team-a.svc.cluster.local': { a: ['10.0.0.2'] },
      c: { rcode: Packet.RCODE.SERVFAIL },
    });
    const r = resolver(up.ask);
    for (const name of ['a', 'a', 'b', 'b', 'c', 'c']) await r.resolve({ name, type: 1 });
    expect(up.asked.filter((n) => n.startsWith('a.')).length).toBe(2);
    expect(up.asked.filter((n) => n.startsWith('b.')).length).toBe(1);
    expect(up.asked.filter((n) => n === 'c').length).toBe(2);
  });

  it('shares one lookup between concurrent identical questions', async () => {
    const up = upstream({ 'web.team-a.svc.cluster.local': { a: ['10.0.0.1'] } });
    const r = resolver(up.ask, 0);
    await Promise.all([r.resolve({ name: 'web', type: 1 }), r.resolve({ name: 'WEB', type: 1 })]);
    expect(up.asked).toHaveLength(1);
  });

  it('rejects when the upstream does not answer, without caching', async () => {
    let calls = 0;
    const r = resolver(async () => {
      calls++;
      throw new UpstreamError('timeout');
    });
    await expect(r.resolve({ name: 'web', type: 1 })).rejects.toThrow(UpstreamError);
    await expect(r.resolve({ name: 'web', type: 1 })).rejects.toThrow(UpstreamError);
    expect(calls).toBe(2);
  });
});
