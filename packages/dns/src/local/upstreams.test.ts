import { Packet } from 'dns2';
import { describe, expect, it } from 'vitest';
import { UpstreamError, type Upstream } from '../upstream.js';
import { askUpstreams, withoutSelf } from './upstreams.js';

const question = { name: 'example.test', type: Packet.TYPE.A };
const withRcode = (rcode: number): Packet => {
  const packet = new Packet();
  packet.header.rcode = rcode;
  return packet;
};

describe('askUpstreams', () => {
  it('moves on from a server that does not answer or says SERVFAIL, and takes the first real answer', async () => {
    const asked: number[] = [];
    const replies: Record<number, () => Promise<Packet>> = {
      1: () => Promise.reject(new UpstreamError('timeout')),
      2: () => Promise.resolve(withRcode(Packet.RCODE.SERVFAIL)),
      3: () => Promise.resolve(withRcode(Packet.RCODE.NXDOMAIN)),
      4: () => Promise.resolve(withRcode(Packet.RCODE.NOERROR)),
    };
    const upstreams: Upstream[] = [1, 2, 3, 4].map((port) => ({ host: '127.0.0.1', port }));
    const packet = await askUpstreams(upstreams, question, {}, (u) => (asked.push(u.port), replies[u.port]!()));
    expect(packet.header.rcode).toBe(Packet.RCODE.NXDOMAIN);
    expect(asked).toEqual([1, 2, 3]);
  });

  it('returns the last failure answer when no server did better, and rejects when none answered', async () => {
    const servfail = await askUpstreams([{ host: '127.0.0.1', port: 1 }], question, {}, () =>
      Promise.resolve(withRcode(Packet.RCODE.REFUSED)),
    );
    expect(servfail.header.rcode).toBe(Packet.RCODE.REFUSED);
    await expect(askUpstreams([{ host: '127.0.0.1', port: 1 }], question, {}, () => Promise.reject(new Error('x')))).rejects.toBeInstanceOf(
      UpstreamError,
    );
    await expect(askUpstreams([], question)).rejects.toThrow(/no upstream/);
  });
});

describe('withoutSelf', () => {
  it('drops the local server from the upstreams', () => {
    const upstreams = [
      { host: '127.0.0.1', port: 53 },
      { host: '10.0.0.2', port: 53 },
      { host: '127.0.0.1', port: 5353 },
    ];
    expect(withoutSelf(upstreams, { host: '127.0.0.1', port: 53 })).toEqual([upstreams[1], upstreams[2]]);
    expect(withoutSelf(upstreams, { host: '0.0.0.0', port: 5353 })).toEqual([upstreams[0], upstreams[1]]);
  });
});
