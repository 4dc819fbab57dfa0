import { describe, expect, it } from 'vitest';
import { tunIfreq, tunUpCommands } from './tun.js';

describe('TUN device set-up', () => {
  it('asks TUNSETIFF for a TUN device without packet information, by name', () => {
    const ifreq = tunIfreq('kt0');
    expect(ifreq).toHaveLength(40);
    expect(ifreq.subarray(0, 4)).toEqual(Buffer.from('kt0\0'));
    expect(ifreq.readUInt16LE(16)).toBe(0x1001);
    expect(() => tunIfreq('a-name-far-too-long')).toThrow(/interface name/);
    expect(() => tunIfreq('kt0; rm')).toThrow(/interface name/);
  });

  it('addresses the device and brings it up with its MTU', () => {
    expect(tunUpCommands('kt0', { address: '10.255.0.1/32', mtu: 1400 })).toEqual([
      ['addr', 'add', '10.255.0.1/32', 'dev', 'kt0'],
      ['link', 'set', 'kt0', 'mtu', '1400', 'up'],
    ]);
  });
});
