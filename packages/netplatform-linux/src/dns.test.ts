import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Journal, recordingRunner, replacedFileUndoers } from '@ktctl/netplatform';
import { describe, expect, it } from 'vitest';
import { tempDir } from '@ktctl/netplatform/testing';
import { createLinuxDns, dnsUndoers, resolvectlCommands, usesSystemdResolved } from './dns.js';
import { linkUndoers } from './links.js';
import { revertResolvConf } from './resolvconf.js';

function machine(resolvConf: string, { stubLink = false } = {}) {
  const dir = tempDir('kt-dns-');
  const real = join(dir, stubLink ? 'run/systemd/resolve/stub-resolv.conf' : 'run/resolv.conf');
  mkdirSync(join(real, '..'), { recursive: true });
  writeFileSync(real, resolvConf);
  const upstream = join(dir, 'run/systemd/resolve/resolv.conf');
  mkdirSync(join(upstream, '..'), { recursive: true });
  writeFileSync(upstream, 'nameserver 192.168.1.1\nsearch lan\n');
  const link = join(dir, 'resolv.conf');
  symlinkSync(real, link);
  const runner = recordingRunner((cmd, args) =>
    cmd === 'ip' && args[1] === 'show' ? { code: 1, stderr: 'Device does not exist' } : undefined,
  );
  const undoers = { ...replacedFileUndoers({ 'resolv-conf': revertResolvConf }), ...dnsUndoers(runner), ...linkUndoers(runner) };
  const journal = Journal.create(join(dir, 'journal'), { pid: 1, command: 'connect' }, undoers);
  const dns = createLinuxDns({ runner, journal, resolvConfPath: link, resolvedUpstreamPath: upstream });
  return { real, link, runner, journal, dns };
}

describe('systemd-resolved detection', () => {
  it('sees resolved by the stub file or the stub address', () => {
    expect(usesSystemdResolved(machine('nameserver 127.0.0.53\n', { stubLink: true }).link)).toBe(true);
    expect(usesSystemdResolved(machine('nameserver 127.0.0.53\noptions edns0\n').link)).toBe(true);
    expect(usesSystemdResolved(machine('nameserver 10.0.0.2\n').link)).toBe(false);
    expect(usesSystemdResolved('/nonexistent/resolv.conf')).toBe(false);
  });
});

describe('resolv.conf backend', () => {
  it('edits the symlink target, reports the original servers, and restores byte for byte', async () => {
    const original = '# managed\nnameserver 10.0.0.2\nsearch corp\n';
    const m = machine(original);
    expect(await m.dns.backend()).toBe('resolv.conf');
    expect(await m.dns.supportsPort()).toBe(false);
    await m.dns.apply({ nameservers: ['127.0.0.1'], searchDomains: ['default.svc.cluster.local'] });
    await m.dns.apply({ nameservers: ['127.0.0.2'] });
    expect(readFileSync(m.real, 'utf8')).toContain('nameserver 127.0.0.2\n');
    expect(await m.dns.originalNameservers()).toEqual(['10.0.0.2']);
    expect(await m.dns.originalSearchDomains()).toEqual(['corp']);
    expect(m.journal.pending()).toHaveLength(1);
    expect(await m.journal.undoAll()).toEqual([]);
    expect(readFileSync(m.real, 'utf8')).toBe(original);
  });
});

describe('systemd-resolved backend', () => {
  it('builds resolvectl commands with route-only domains', () => {
    expect(
      resolvectlCommands('kt0', {
        nameservers: ['127.0.0.1:5353'],
        searchDomains: ['default.svc.cluster.local'],
        routeDomains: ['cluster.local'],
      }),
    ).toEqual([
      ['dns', 'kt0', '127.0.0.1:5353'],
      ['domain', 'kt0', 'default.svc.cluster.local', '~cluster.local'],
      ['default-route', 'kt0', 'false'],
    ]);
  });

  it('creates a dummy link when no device is given, sets DNS on it, and undoes both in reverse', async () => {
    const m = machine('nameserver 127.0.0.53\n', { stubLink: true });
    expect(await m.dns.backend()).toBe('systemd-resolved');
    expect(await m.dns.supportsPort()).toBe(true);
    expect(await m.dns.originalNameservers()).toEqual(['192.168.1.1']);
    await m.dns.apply({ nameservers: ['127.0.0.1:5353'], routeDomains: ['cluster.local'] });
    expect(await m.journal.undoAll()).toEqual([]);
    expect(m.runner.lines()).toEqual([
      'resolvectl status',
      'ip link show kt-dns0',
      'ip link add kt-dns0 type dummy',
      'ip link set kt-dns0 up',
      'resolvectl dns kt-dns0 127.0.0.1:5353',
      'resolvectl domain kt-dns0 ~cluster.local',
      'resolvectl default-route kt-dns0 false',
      'resolvectl revert kt-dns0',
      'ip link del kt-dns0',
    ]);
    expect(readFileSync(m.real, 'utf8')).toBe('nameserver 127.0.0.53\n');
  });

  it('uses the given device (the TUN device) without creating a link', async () => {
    const m = machine('nameserver 127.0.0.53\n', { stubLink: true });
    await m.dns.apply({ nameservers: ['10.255.0.1'], device: 'kt0' });
    expect(m.runner.lines().filter((l) => l.startsWith('ip '))).toEqual([]);
  });

  it('falls back to resolv.conf when resolvectl does not answer', async () => {
    const m = machine('nameserver 127.0.0.53\n');
    const silent = recordingRunner(() => ({ code: 1, stderr: 'Failed to connect to bus' }));
    const dns = createLinuxDns({ runner: silent, journal: m.journal, resolvConfPath: m.link, resolvedUpstreamPath: '/nonexistent' });
    expect(await dns.backend()).toBe('resolv.conf');
  });
});
