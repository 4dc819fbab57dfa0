import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { recordingRunner } from '@ktctl/netplatform';
import { tempDir } from '@ktctl/netplatform/testing';
import { describe, expect, it } from 'vitest';
import { SUFFIX_LIST_SCRIPT } from './dns.js';
import { createWindowsPlatform, windowsHostsPath } from './platform.js';
import { fakeWintun } from './testing/fake-wintun.js';

const PS = 'powershell -NoProfile -NonInteractive -Command';

function machine() {
  const root = tempDir('kt-windows-');
  mkdirSync(join(root, 'etc'));
  const hostsPath = join(root, 'etc', 'hosts');
  writeFileSync(hostsPath, '# Copyright (c) 1993-2009 Microsoft Corp.\r\n127.0.0.1 localhost\r\n');
  return { ktHome: join(root, 'kt'), hostsPath };
}

const elevated = () => {
  const calls: string[] = [];
  return { calls, exitCode: (command: string, args: readonly string[]) => (calls.push([command, ...args].join(' ')), 0) };
};

const answers = (_c: string, args: readonly string[]) => (args[3] === SUFFIX_LIST_SCRIPT ? { stdout: '' } : undefined);

async function connectLike(platform: ReturnType<typeof createWindowsPlatform>) {
  const session = await platform.openSession({ command: 'connect' });
  const tun = await session.tun!.create({ name: 'kt0', address: '10.255.0.1/32' });
  await session.routes.add({ cidr: '10.96.0.0/16', device: tun.name });
  await session.dns.apply({
    nameservers: ['10.255.0.2'],
    device: tun.name,
    routeDomains: ['cluster.local'],
    searchDomains: ['default.svc.cluster.local'],
  });
  await session.hosts.setBlock([{ ip: '10.96.0.10', names: ['web'] }]);
  return session;
}

const comment = `ktctl-${process.pid}`;
/** Newest first: hosts (a file), suffix list, NRPT rule (+flush), interface DNS (+flush), route, adapter (DLL calls). */
const UNDONE = [
  `${PS} Set-DnsClientGlobalSetting -SuffixSearchList @('')`,
  `${PS} Get-DnsClientNrptRule | Where-Object { $_.Comment -eq '${comment}' -and $_.Namespace -contains '.cluster.local' } | Remove-DnsClientNrptRule -Force`,
  'ipconfig /flushdns',
  'netsh interface ipv4 set dnsservers name=kt0 source=dhcp',
  'ipconfig /flushdns',
  'netsh interface ipv4 delete route 10.96.0.0/16 kt0 0.0.0.0 store=active',
];

describe('createWindowsPlatform', () => {
  it('checks elevation with net session, then fltmc; refuses with KT_NOT_ROOT and an Administrator hint', async () => {
    const calls: string[] = [];
    const runner = recordingRunner();
    const platform = createWindowsPlatform({ ...machine(), runner, exitCode: (c, a) => (calls.push([c, ...a].join(' ')), 2) });
    expect(platform.isAdmin()).toBe(false);
    expect(calls).toEqual(['net session', 'fltmc']);
    await expect(platform.openSession({ command: 'connect' })).rejects.toMatchObject({
      code: 'KT_NOT_ROOT',
      hint: expect.stringContaining('Administrator terminal'),
    });
    expect(() => platform.requireAdmin('connect')).toThrow(/needs Administrator rights/);
    expect(runner.calls).toEqual([]);
    expect(calls).toEqual(['net session', 'fltmc']);
    const serverServiceOff = createWindowsPlatform({ ...machine(), exitCode: (c) => (c === 'fltmc' ? 0 : 2) });
    expect(serverServiceOff.isAdmin()).toBe(true);
  });

  it('has a TUN but no kernel redirect (sshuttle mode is refused by connect), and no redirect in a session', async () => {
    const admin = elevated();
    const platform = createWindowsPlatform({
      ...machine(),
      runner: recordingRunner(),
      exitCode: admin.exitCode,
      wintun: () => fakeWintun().api,
    });
    expect(platform.os).toBe('win32');
    expect(platform.capabilities).toEqual({ kernelRedirect: false, tun: true });
    const session = await platform.openSession({ command: 'connect' });
    expect(session.redirect).toBeUndefined();
    expect(await session.dns.backend()).toBe('netsh');
    await session.close();
  });

  it('finds the hosts file from %SystemRoot%', () => {
    expect(windowsHostsPath({ SystemRoot: 'D:\\Windows' })).toBe('D:\\Windows\\System32\\drivers\\etc\\hosts');
    expect(windowsHostsPath({})).toBe('C:\\Windows\\System32\\drivers\\etc\\hosts');
  });

  it('close() undoes every change in reverse order; the hosts file keeps its CRLF lines', async () => {
    const paths = machine();
    const runner = recordingRunner(answers);
    const wintun = fakeWintun();
    const session = await connectLike(createWindowsPlatform({ ...paths, runner, exitCode: elevated().exitCode, wintun: () => wintun.api }));
    expect(readFileSync(paths.hostsPath, 'utf8')).toBe(
      '# Copyright (c) 1993-2009 Microsoft Corp.\r\n127.0.0.1 localhost\r\n# Kt Hosts Begin\r\n10.96.0.10 web\r\n# Kt Hosts End\r\n',
    );
    runner.calls.length = 0;
    await session.close();
    expect(runner.lines()).toEqual(UNDONE);
    expect(wintun.calls.slice(-2)).toEqual(['WintunEndSession(#session)', 'WintunCloseAdapter(#adapter)']);
    expect(readFileSync(paths.hostsPath, 'utf8')).toBe('# Copyright (c) 1993-2009 Microsoft Corp.\r\n127.0.0.1 localhost\r\n');
    expect(existsSync(session.journal.path)).toBe(false);
  });

  it("restoreStale() undoes a killed run's journal (its adapter went with it)", async () => {
    const paths = machine();
    const first = fakeWintun();
    const session = await connectLike(
      createWindowsPlatform({ ...paths, runner: recordingRunner(answers), exitCode: elevated().exitCode, wintun: () => first.api }),
    );
    const killed = join(paths.ktHome, 'journal', '999999.json');
    copyFileSync(session.journal.path, killed);
    writeFileSync(killed, readFileSync(killed, 'utf8').replaceAll(`"pid": ${process.pid}`, '"pid": 999999'));
    rmSync(session.journal.path);

    const runner = recordingRunner();
    const next = createWindowsPlatform({
      ...paths,
      runner,
      exitCode: elevated().exitCode,
      isAlive: (pid) => pid === process.pid,
      wintun: () => fakeWintun().api,
    });
    const report = await next.restoreStale();
    expect(report).toMatchObject({ restored: [{ pid: 999999, command: 'connect', changes: 6 }], failed: [] });
    expect(runner.lines()).toEqual(UNDONE);
    expect(first.calls.filter((c) => c.startsWith('WintunCloseAdapter'))).toEqual([]);
    expect(readFileSync(paths.hostsPath, 'utf8')).not.toContain('Kt Hosts');
  });

  it('without Administrator rights, restoreStale() changes nothing and says how to clean', async () => {
    const paths = machine();
    mkdirSync(join(paths.ktHome, 'journal'), { recursive: true });
    const entries = [{ seq: 1, state: 'applied', entry: { kind: 'route-added', cidr: '10.96.0.0/16', device: 'kt0' } }];
    writeFileSync(
      join(paths.ktHome, 'journal', '424242.json'),
      JSON.stringify({ version: 1, pid: 424242, command: 'connect', startedAt: '', entries }),
    );
    const runner = recordingRunner();
    const report = await createWindowsPlatform({ ...paths, runner, exitCode: () => 1, isAlive: () => false }).restoreStale();
    expect(report.failed).toEqual([{ pid: 424242, errors: [expect.stringContaining('Administrator terminal')] }]);
    expect(runner.calls).toEqual([]);
  });
});
