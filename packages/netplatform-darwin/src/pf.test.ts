import { Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { Journal, recordingRunner } from '@ktctl/netplatform';
import { tempDir } from '@ktctl/netplatform/testing';
import { describe, expect, it } from 'vitest';
import { DIOCNATLOOK, natlookRequest, natlookResult, PFIOC_NATLOOK_SIZE } from './natlook.js';
import { createPfRedirect, parseEnableToken, pfLoopbackDnsRules, pfRedirectRules, pfUndoers } from './pf.js';
import { fakeLibc } from './testing/fake-libc.js';

const hex = (text: string) => text.replace(/\s+/g, '');
const STOCK_NAT = 'nat-anchor "com.apple/*" all\nrdr-anchor "com.apple/*" all\n';
const STOCK_RULES = 'scrub-anchor "com.apple/*" all fragment reassemble\nanchor "com.apple/*" all\n';
const LO0 = 'lo0\n\tCleared:     Thu Nov 26 09:00:00 2026\n';
const ENABLE = {
  stdout: '',
  stderr: 'No ALTQ support in kernel\nALTQ related functions disabled\npf enabled\nToken : 10675375484584316175\n',
};

function pfAnswers(overrides: Record<string, { code?: number; stdout?: string; stderr?: string }> = {}) {
  return (_command: string, args: readonly string[]) => {
    const key = args.join(' ');
    if (overrides[key]) return overrides[key];
    if (key === '-s nat') return { stdout: STOCK_NAT };
    if (key === '-s rules') return { stdout: STOCK_RULES };
    if (key === '-s Interfaces -i lo0 -v') return { stdout: LO0 };
    if (key === '-E') return ENABLE;
    return undefined;
  };
}

describe('pf rules', () => {
  it('excludes first, rdr to our port on lo0, route-to lo0 on the way out', () => {
    expect(pfRedirectRules({ cidrs: ['10.96.0.0/16', '10.244.0.0/16'], excludes: ['10.96.0.1'], toPort: 12300 })).toBe(
      [
        'no rdr on lo0 inet proto tcp from any to 10.96.0.1/32',
        'rdr pass on lo0 inet proto tcp from any to 10.96.0.0/16 -> 127.0.0.1 port 12300',
        'rdr pass on lo0 inet proto tcp from any to 10.244.0.0/16 -> 127.0.0.1 port 12300',
        'pass out quick inet proto tcp from any to 10.96.0.1/32',
        'pass out quick route-to lo0 inet proto tcp from any to 10.96.0.0/16 keep state',
        'pass out quick route-to lo0 inet proto tcp from any to 10.244.0.0/16 keep state',
        '',
      ].join('\n'),
    );
    expect(pfLoopbackDnsRules(5353)).toBe('rdr pass on lo0 inet proto { udp tcp } from any to 127.0.0.1 port 53 -> 127.0.0.1 port 5353\n');
    expect(() => pfRedirectRules({ cidrs: ['10.96.0.0/16'], excludes: [], toPort: 0 })).toThrow(/not a port/);
  });

  it("reads pfctl -E's token", () => {
    expect(parseEnableToken(ENABLE.stderr)).toBe('10675375484584316175');
    expect(parseEnableToken('pf enabled\n')).toBeUndefined();
  });
});

describe('createPfRedirect', () => {
  const setup = (overrides?: Parameters<typeof pfAnswers>[0]) => {
    const runner = recordingRunner(pfAnswers(overrides));
    const journal = Journal.create(tempDir('kt-pf-'), { pid: 1, command: 'connect' }, pfUndoers(runner));
    const fake = fakeLibc();
    return { runner, journal, fake, redirect: createPfRedirect(runner, journal, fake.libc) };
  };

  it('checks pf, loads the anchor, enables pf by reference; undo releases it and flushes the anchor', async () => {
    const { runner, journal, redirect } = setup();
    let journalAtLoad = '';
    const spec = { cidrs: ['10.96.0.0/16'], excludes: ['10.96.0.1'], toPort: 12300 };
    runner.calls.length = 0;
    const answer = pfAnswers();
    const watching = recordingRunner((c, a) => {
      if (a[0] === '-a' && a[2] === '-f') journalAtLoad = readFileSync(journal.path, 'utf8');
      return answer(c, a);
    });
    const watched = createPfRedirect(watching, journal, fakeLibc().libc);
    await watched.redirectTcp(spec);
    expect(JSON.parse(journalAtLoad).entries).toEqual([
      { seq: 1, state: 'applying', entry: { kind: 'pf-anchor', anchor: 'com.apple/ktctl' } },
    ]);
    expect(watching.calls).toEqual([
      { command: 'pfctl', args: ['-s', 'nat'] },
      { command: 'pfctl', args: ['-s', 'rules'] },
      { command: 'pfctl', args: ['-s', 'Interfaces', '-i', 'lo0', '-v'] },
      { command: 'pfctl', args: ['-a', 'com.apple/ktctl', '-f', '-'], input: pfRedirectRules(spec) },
      { command: 'pfctl', args: ['-E'] },
    ]);
    expect(journal.pending()).toEqual([
      { kind: 'pf-anchor', anchor: 'com.apple/ktctl' },
      { kind: 'pf-enabled', token: '10675375484584316175' },
    ]);
    expect(JSON.parse(readFileSync(journal.path, 'utf8')).entries[1]).toEqual({
      seq: 2,
      state: 'applied',
      entry: { kind: 'pf-enabled', token: '10675375484584316175' },
    });
    expect(redirect.backend).toBe('pf');
    expect(await journal.undoAll()).toEqual([]);
    expect(runner.lines()).toEqual(['pfctl -X 10675375484584316175', 'pfctl -a com.apple/ktctl -F all']);
  });

  it('installing again replaces the anchor and keeps the one pf reference; DNS gets its own anchor', async () => {
    const { runner, journal, redirect } = setup();
    await redirect.redirectTcp({ cidrs: ['10.96.0.0/16'], excludes: [], toPort: 12300 });
    await redirect.redirectTcp({ cidrs: ['10.96.0.0/16', '10.244.0.0/16'], excludes: [], toPort: 12300 });
    await redirect.redirectLoopbackDns(5353);
    expect(runner.lines().filter((l) => !l.startsWith('pfctl -s'))).toEqual([
      'pfctl -a com.apple/ktctl -f -',
      'pfctl -E',
      'pfctl -a com.apple/ktctl -F all',
      'pfctl -a com.apple/ktctl -f -',
      'pfctl -a com.apple/ktctl-dns -f -',
    ]);
    expect(journal.pending().map((e) => e.kind + ':' + String(e.anchor ?? e.token))).toEqual([
      'pf-enabled:10675375484584316175',
      'pf-anchor:com.apple/ktctl',
      'pf-anchor:com.apple/ktctl-dns',
    ]);
  });

  it('refuses, changing nothing, when pf would never see the rules', async () => {
    const noAnchor = setup({ '-s rules': { stdout: 'block drop all\n' } });
    await expect(noAnchor.redirect.redirectTcp({ cidrs: ['10.96.0.0/16'], excludes: [], toPort: 1 })).rejects.toMatchObject({
      code: 'KT_PF_NO_ANCHOR',
    });
    const skipped = setup({ '-s Interfaces -i lo0 -v': { stdout: 'lo0 (skip)\n' } });
    await expect(skipped.redirect.redirectTcp({ cidrs: ['10.96.0.0/16'], excludes: [], toPort: 1 })).rejects.toMatchObject({
      code: 'KT_PF_SKIPS_LOOPBACK',
    });
    const v6 = setup();
    await expect(v6.redirect.redirectTcp({ cidrs: ['fd00::/108'], excludes: [], toPort: 1 })).rejects.toMatchObject({
      code: 'KT_IPV6_UNSUPPORTED',
    });
    for (const { journal, runner } of [noAnchor, skipped, v6]) {
      expect(journal.pending()).toEqual([]);
      expect(runner.lines().every((l) => l.startsWith('pfctl -s'))).toBe(true);
    }
  });

  it('undo tolerates a released token and an anchor that is gone; a token from a killed run is released', async () => {
    const runner = recordingRunner((_c, args) => ({
      code: 1,
      stderr: args[0] === '-X' ? 'pfctl: DIOCSTOPREF: Invalid argument' : 'pfctl: Anchor does not exist.',
    }));
    const undo = pfUndoers(runner);
    await undo['pf-enabled']!({ kind: 'pf-enabled', token: '42' });
    await undo['pf-anchor']!({ kind: 'pf-anchor', anchor: 'com.apple/ktctl' });
    await undo['pf-enabled']!({ kind: 'pf-enabled' });
    expect(runner.lines()).toEqual(['pfctl -X 42', 'pfctl -a com.apple/ktctl -F all']);
  });
});

describe('DIOCNATLOOK', () => {
  it('is _IOWR(D, 23) of the 84-byte macOS struct pfioc_natlook', () => {
    expect(PFIOC_NATLOOK_SIZE).toBe(84);
    expect(DIOCNATLOOK).toBe((0xc0000000 | (84 << 16) | (0x44 << 8) | 23) >>> 0);
  });

  it('asks from the client to our listener, TCP, AF_INET, PF_OUT', () => {
    const request = natlookRequest({ address: '127.0.0.1', port: 54321 }, { address: '::ffff:127.0.0.1', port: 12300 });
    expect(request.toString('hex')).toBe(
      hex(`7f000001 ${'00'.repeat(12)} 7f000001 ${'00'.repeat(12)} ${'00'.repeat(32)}
           d4310000 300c0000 00000000 00000000 02 06 00 02`),
    );
  });

  it('reads the original destination from rdaddr and rdxport', () => {
    const reply = Buffer.alloc(84);
    Buffer.from([10, 96, 0, 10]).copy(reply, 48);
    reply.writeUInt16BE(8080, 76);
    expect(natlookResult(reply)).toEqual({ address: '10.96.0.10', port: 8080 });
  });

  it("originalDestination() opens /dev/pf once and asks about the socket's two ends", () => {
    const fake = fakeLibc({
      natlook: (request) => {
        Buffer.from([10, 96, 3, 4]).copy(request, 48);
        request.writeUInt16BE(443, 76);
      },
    });
    const runner = recordingRunner();
    const journal = Journal.create(tempDir('kt-pf-'), { pid: 1, command: 'connect' }, pfUndoers(runner));
    const redirect = createPfRedirect(runner, journal, fake.libc);
    const socket = Object.assign(Object.create(Socket.prototype) as Socket, {});
    Object.defineProperties(socket, {
      remoteAddress: { value: '127.0.0.1' },
      remotePort: { value: 54321 },
      localAddress: { value: '127.0.0.1' },
      localPort: { value: 12300 },
    });
    expect(redirect.originalDestination(socket)).toEqual({ address: '10.96.3.4', port: 443 });
    expect(redirect.originalDestination(socket)).toEqual({ address: '10.96.3.4', port: 443 });
    const request = natlookRequest({ address: '127.0.0.1', port: 54321 }, { address: '127.0.0.1', port: 12300 }).toString('hex');
    expect(fake.lines()).toEqual(['open(/dev/pf)', `ioctl(77, ${DIOCNATLOOK}, ${request})`, `ioctl(77, ${DIOCNATLOOK}, ${request})`]);
  });
});
