import { Journal, recordingRunner } from '@ktctl/netplatform';
import { tempDir } from '@ktctl/netplatform/testing';
import { describe, expect, it } from 'vitest';
import { createTunFactory, tunIfreq, tunUpCommands } from './tun.js';

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

  it('refuses a name another interface already has as a user error (KT_ALREADY_EXISTS), journaling nothing', async () => {
    const runner = recordingRunner(); // `ip link show kt0` answers 0: the link exists
    const dir = tempDir('kt-tun-');
    const journal = Journal.create(dir, { pid: 1, command: 'connect' }, {});
    await expect(createTunFactory(runner, journal).create({ address: '10.255.0.1/32' })).rejects.toMatchObject({
      code: 'KT_ALREADY_EXISTS',
      message: expect.stringContaining('kt0 already exists'),
    });
    expect(runner.lines()).toEqual(['ip link show kt0']);
  });
});
