import { readFileSync } from 'node:fs';
import { Journal, recordingRunner } from '@ktctl/netplatform';
import { tempDir } from '@ktctl/netplatform/testing';
import { describe, expect, it } from 'vitest';
import { fakeLibc } from './testing/fake-libc.js';
import { createUtunFactory, ctlInfo, familyHeader, ifconfigArgs, openUtun, sockaddrCtl, timeval, utunUndoers } from './utun.js';

const hex = (text: string) => text.replace(/\s+/g, '');
const ipv4 = Buffer.from('450000140000000040067cb00a0000010a000002', 'hex');
const ipv6 = Buffer.from(`60000000000006400000000000000000000000000000000000000000000000000000000000000000`, 'hex');

describe('utun structs', () => {
  it('ctl_info asks for com.apple.net.utun_control (100 bytes, ctl_id 0)', () => {
    const info = ctlInfo();
    expect(info).toHaveLength(100);
    expect(info.readUInt32LE(0)).toBe(0);
    expect(info.subarray(4, 31).toString('latin1')).toBe('com.apple.net.utun_control\0');
    expect(info.subarray(31).every((b) => b === 0)).toBe(true);
  });

  it('sockaddr_ctl: sc_len 32, AF_SYSTEM, AF_SYS_CONTROL, the control id, unit 0', () => {
    expect(sockaddrCtl(0x1234).toString('hex')).toBe(hex('20 20 0200 34120000 00000000' + '00'.repeat(20)));
  });

  it('timeval is 64-bit seconds, 32-bit microseconds, padded', () => {
    expect(timeval(250_000).toString('hex')).toBe(hex('0000000000000000 90d00300 00000000'));
    expect(timeval(1_500_000).toString('hex')).toBe(hex('0100000000000000 20a10700 00000000'));
  });

  it('the family header is AF_INET (2) or AF_INET6 (30), big-endian', () => {
    expect(familyHeader(ipv4).toString('hex')).toBe('00000002');
    expect(familyHeader(ipv6).toString('hex')).toBe('0000001e');
  });

  it('ifconfig gives the device its address point-to-point, the MTU, and brings it up', () => {
    expect(ifconfigArgs('utun7', { address: '10.255.0.1/32', mtu: 1400 })).toEqual([
      'utun7',
      'inet',
      '10.255.0.1',
      '10.255.0.1',
      'netmask',
      '255.255.255.255',
      'mtu',
      '1400',
      'up',
    ]);
    expect(ifconfigArgs('utun7', { address: 'fd00::1/128' })).toEqual([
      'utun7',
      'inet6',
      'fd00::1',
      'prefixlen',
      '128',
      'mtu',
      '1500',
      'up',
    ]);
  });
});

describe('openUtun', () => {
  it('makes exactly the system calls of a utun client, in order', () => {
    const fake = fakeLibc({ ctlId: 0x1234, ifname: 'utun7' });
    expect(openUtun(fake.libc)).toEqual({ fd: 42, name: 'utun7' });
    expect(fake.lines()).toEqual([
      'socket(32, 2, 2)',
      `ioctl(42, ${0xc0644e03}, ${ctlInfo().toString('hex')})`,
      `connect(42, ${sockaddrCtl(0x1234).toString('hex')})`,
      'getsockopt(42, 2, 2, 16)',
      `setsockopt(42, ${0xffff}, ${0x1006}, ${timeval(250_000).toString('hex')})`,
    ]);
  });

  it('closes the socket when a later call fails', () => {
    const fake = fakeLibc();
    fake.libc.connect = () => -1;
    expect(() => openUtun(fake.libc)).toThrow(/connect\(utun control\) failed: errno 1/);
    expect(fake.lines().at(-1)).toBe('close(42)');
  });
});

describe('createUtunFactory', () => {
  const setup = (answer?: Parameters<typeof recordingRunner>[0]) => {
    const fake = fakeLibc();
    const runner = recordingRunner(answer);
    const journal = Journal.create(tempDir('kt-utun-'), { pid: 1, command: 'connect' }, utunUndoers);
    return { fake, runner, journal, factory: createUtunFactory(runner, journal, fake.libc) };
  };

  it('journals the device before opening it, then addresses it; close() closes the socket', async () => {
    const { fake, runner, journal, factory } = setup();
    let journalAtSocket = '';
    const socket = fake.libc.socket;
    fake.libc.socket = (...args) => {
      journalAtSocket = readFileSync(journal.path, 'utf8');
      return socket(...args);
    };
    const device = await factory.create({ address: '10.255.0.1/32', mtu: 1400 });
    expect(JSON.parse(journalAtSocket).entries).toEqual([{ seq: 1, state: 'applying', entry: { kind: 'utun', pid: process.pid } }]);
    expect(JSON.parse(readFileSync(journal.path, 'utf8')).entries).toEqual([
      { seq: 1, state: 'applied', entry: { kind: 'utun', pid: process.pid, name: 'utun7' } },
    ]);
    expect(device).toMatchObject({ name: 'utun7', mtu: 1400 });
    expect(runner.lines()).toEqual(['ifconfig utun7 inet 10.255.0.1 10.255.0.1 netmask 255.255.255.255 mtu 1400 up']);
    await device.close();
    expect(fake.lines().at(-1)).toBe('close(42)');
    expect(journal.pending()).toEqual([]);
  });

  it('strips the family header from packets read and adds it to packets written', async () => {
    const { fake, factory, journal } = setup();
    const device = await factory.create({ address: '10.255.0.1/32' });
    fake.packets.push(Buffer.concat([Buffer.from('00000002', 'hex'), ipv4]), Buffer.concat([Buffer.from('0000001e', 'hex'), ipv6]));
    const got: Buffer[] = [];
    device.onPacket((p) => got.push(p));
    await expect.poll(() => got.length).toBe(2);
    expect(got).toEqual([ipv4, ipv6]);
    device.write(ipv4);
    device.write(ipv6);
    expect(fake.written.map((b) => b.toString('hex'))).toEqual([`00000002${ipv4.toString('hex')}`, `0000001e${ipv6.toString('hex')}`]);
    expect(await journal.undoAll()).toEqual([]);
    expect(fake.lines().at(-1)).toBe('close(42)');
    expect(() => device.write(ipv4)).toThrow(/closed/);
  });

  it('closes the socket and leaves nothing journaled when ifconfig fails', async () => {
    const { fake, factory, journal } = setup(() => ({ code: 1, stderr: 'ifconfig: ioctl (SIOCAIFADDR): File exists' }));
    await expect(factory.create({ address: '10.255.0.1/32' })).rejects.toThrow(/SIOCAIFADDR/);
    expect(fake.lines().at(-1)).toBe('close(42)');
    expect(journal.pending()).toEqual([]);
  });

  it("a dead run's utun needs nothing undone (it went with its process), even when this one has one of that name", async () => {
    const { fake, factory } = setup();
    const device = await factory.create({ address: '10.255.0.1/32' });
    await utunUndoers.utun!({ kind: 'utun', pid: 999_999, name: device.name });
    expect(fake.lines().filter((l) => l.startsWith('close'))).toEqual([]);
    await device.close();
    expect(fake.lines().at(-1)).toBe('close(42)');
  });
});
