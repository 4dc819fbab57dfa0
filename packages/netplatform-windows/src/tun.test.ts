import { readFileSync } from 'node:fs';
import { Journal, recordingRunner } from '@ktctl/netplatform';
import { tempDir } from '@ktctl/netplatform/testing';
import { describe, expect, it } from 'vitest';
import { fakeWintun } from './testing/fake-wintun.js';
import { adapterSetupCommands, createWintunFactory, wintunUndoers } from './tun.js';
import { adapterGuid, guidString, locateWintun, RING_CAPACITY, WINTUN_MAX_RING_CAPACITY, WINTUN_MIN_RING_CAPACITY } from './wintun.js';

const ipv4 = Buffer.from('450000140000000040067cb00a0000010a000002', 'hex');

describe('Wintun adapter identity', () => {
  it('one fixed GUID per name, RFC 4122 version 5 and variant bits in GUID byte order', () => {
    const guid = adapterGuid('kt0');
    expect(guid).toEqual(adapterGuid('kt0'));
    expect(guid).not.toEqual(adapterGuid('kt1'));
    expect(guid).toHaveLength(16);
    expect(guidString(guid)).toMatch(/^\{[0-9A-F]{8}-[0-9A-F]{4}-5[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}\}$/);
    expect(guidString(Buffer.from('33221100554477668899aabbccddeeff', 'hex'))).toBe('{00112233-4455-6677-8899-AABBCCDDEEFF}');
  });

  it('the ring capacity is a power of two within wintun.h bounds', () => {
    expect(RING_CAPACITY & (RING_CAPACITY - 1)).toBe(0);
    expect(RING_CAPACITY).toBeGreaterThanOrEqual(WINTUN_MIN_RING_CAPACITY);
    expect(RING_CAPACITY).toBeLessThanOrEqual(WINTUN_MAX_RING_CAPACITY);
  });

  it('addresses the adapter and sets its MTU with netsh', () => {
    expect(adapterSetupCommands('kt0', { address: '10.255.0.1/32', mtu: 1400 })).toEqual([
      ['interface', 'ipv4', 'set', 'address', 'name=kt0', 'static', '10.255.0.1', '255.255.255.255'],
      ['interface', 'ipv4', 'set', 'subinterface', 'kt0', 'mtu=1400', 'store=active'],
    ]);
    expect(adapterSetupCommands('kt0', { address: 'fd00::1/128' })).toEqual([
      ['interface', 'ipv6', 'add', 'address', 'interface=kt0', 'address=fd00::1/128', 'store=active'],
      ['interface', 'ipv6', 'set', 'subinterface', 'kt0', 'mtu=1500', 'store=active'],
    ]);
  });

  it('without wintun.dll anywhere, says where to put it (KT_WINTUN_MISSING)', () => {
    const execPath = `${tempDir('kt-nowintun-')}/ktctl.exe`;
    expect(() => locateWintun(undefined, execPath)).toThrow(
      expect.objectContaining({ code: 'KT_WINTUN_MISSING', message: expect.stringContaining(execPath) }),
    );
    expect(locateWintun('D:\\tools\\wintun.dll')).toEqual({ path: 'D:\\tools\\wintun.dll' });
  });
});

describe('createWintunFactory', () => {
  const setup = (options?: Parameters<typeof fakeWintun>[0], answer?: Parameters<typeof recordingRunner>[0]) => {
    const fake = fakeWintun(options);
    const runner = recordingRunner(answer);
    const journal = Journal.create(tempDir('kt-wintun-'), { pid: 1, command: 'connect' }, wintunUndoers);
    return { fake, runner, journal, factory: createWintunFactory(runner, journal, () => fake.api) };
  };
  const guid = adapterGuid('kt0');

  it('journals the adapter first, creates it and its session, addresses it; close() ends both', async () => {
    const { fake, runner, journal, factory } = setup();
    let journalAtCreate = '';
    const create = fake.api.WintunCreateAdapter;
    fake.api.WintunCreateAdapter = (...args) => {
      journalAtCreate = readFileSync(journal.path, 'utf8');
      return create(...args);
    };
    const device = await factory.create({ name: 'kt0', address: '10.255.0.1/32', mtu: 1400 });
    const entry = { kind: 'wintun-adapter', name: 'kt0', guid: guidString(guid), pid: process.pid };
    expect(JSON.parse(journalAtCreate).entries).toEqual([{ seq: 1, state: 'applying', entry }]);
    expect(fake.calls).toEqual([
      `WintunCreateAdapter("kt0", "ktctl", ${guid.toString('hex')})`,
      `WintunStartSession(#adapter, ${RING_CAPACITY})`,
      'WintunGetReadWaitEvent(#session)',
    ]);
    expect(runner.lines()).toEqual([
      'netsh interface ipv4 set address name=kt0 static 10.255.0.1 255.255.255.255',
      'netsh interface ipv4 set subinterface kt0 mtu=1400 store=active',
    ]);
    expect(device).toMatchObject({ name: 'kt0', mtu: 1400 });
    await device.close();
    expect(fake.calls.slice(-2)).toEqual(['WintunEndSession(#session)', 'WintunCloseAdapter(#adapter)']);
    expect(journal.pending()).toEqual([]);
  });

  it('reads packets off the ring (released after copying) and sends through allocated slots', async () => {
    const { fake, factory, journal } = setup();
    const device = await factory.create({ address: '10.255.0.1/32' });
    fake.inbound.push(ipv4);
    const got: Buffer[] = [];
    device.onPacket((p) => got.push(p));
    await expect.poll(() => got.length).toBe(1);
    expect(got[0]).toEqual(ipv4);
    device.write(ipv4);
    expect(fake.sent).toEqual([ipv4]);
    expect(await journal.undoAll()).toEqual([]);
    expect(fake.calls.slice(3)).toEqual([
      'WintunReceivePacket(#session)',
      'WintunReleaseReceivePacket(#session, #rx0)',
      `WintunAllocateSendPacket(#session, ${ipv4.length})`,
      'WintunSendPacket(#session, #tx1)',
      'WintunEndSession(#session)',
      'WintunCloseAdapter(#adapter)',
    ]);
    expect(() => device.write(ipv4)).toThrow(/closed/);
  });

  it('drops a packet when the send ring is full, as a busy NIC would', async () => {
    const { fake, factory } = setup({ ringFull: true });
    const device = await factory.create({ address: '10.255.0.1/32' });
    device.write(ipv4);
    expect(fake.sent).toEqual([]);
    await device.close();
  });

  it('a failed create leaves nothing journaled; a failed netsh closes the adapter again', async () => {
    const failing = setup({ createFails: true });
    await expect(failing.factory.create({ address: '10.255.0.1/32' })).rejects.toThrow(/WintunCreateAdapter kt0 failed: error 5/);
    expect(failing.journal.pending()).toEqual([]);
    const netshFails = setup(undefined, () => ({ code: 1, stdout: 'The object already exists.' }));
    await expect(netshFails.factory.create({ address: '10.255.0.1/32' })).rejects.toThrow(/already exists/);
    expect(netshFails.fake.calls.slice(-2)).toEqual(['WintunEndSession(#session)', 'WintunCloseAdapter(#adapter)']);
    expect(netshFails.journal.pending()).toEqual([]);
  });
});
