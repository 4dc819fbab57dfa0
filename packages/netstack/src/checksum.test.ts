import { describe, expect, it } from 'vitest';
import { formatIPv6, parseAddress } from './address.js';
import { finish, sum16 } from './checksum.js';
import { internetChecksum } from './testing/index.js';

describe('the Internet checksum', () => {
  it('matches a byte-by-byte reference at every alignment and length', () => {
    const backing = Buffer.alloc(70_000);
    for (let i = 0; i < backing.length; i++) backing[i] = (i * 31 + (i >> 8)) & 0xff;
    for (const start of [0, 1, 2, 3, 4, 20, 40]) {
      for (const length of [0, 1, 63, 64, 65, 1500, 1501, 65_000, 65_535]) {
        const view = backing.subarray(start, start + length);
        expect(finish(sum16(view, 0, view.length)), `${start}+${length}`).toBe(internetChecksum(view));
      }
    }
  });

  it('sums to all ones over data that includes its own checksum', () => {
    const data = Buffer.alloc(2000, 0xfe);
    data.writeUInt16BE(0, 100);
    data.writeUInt16BE(finish(sum16(data, 0, data.length)), 100);
    expect(finish(sum16(data, 0, data.length))).toBe(0);
  });
});

describe('addresses', () => {
  it('reads and writes IPv4 and IPv6 text', () => {
    expect([...parseAddress('10.96.0.10')]).toEqual([10, 96, 0, 10]);
    const cases = ['::1', 'fd00::53', '2001:db8::1:0:0:1', 'fe80::', '1:2:3:4:5:6:7:8', '::'];
    for (const text of cases) expect(formatIPv6(parseAddress(text), 0)).toBe(text);
    expect(formatIPv6(parseAddress('::ffff:10.0.0.1'), 0)).toBe('::ffff:a00:1');
    expect(() => parseAddress('10.0.0.256')).toThrow(/not an IP address/);
    expect(() => parseAddress('1::2::3')).toThrow(/not an IP address/);
  });
});
