import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { recordingRunner } from '@ktctl/netplatform';
import { tempDir } from '@ktctl/netplatform/testing';
import { describe, expect, it } from 'vitest';
import { createDarwinPlatform } from './platform.js';
import { pfRedirectRules } from './pf.js';
import { fakeLibc } from './testing/fake-libc.js';

function machine() {
  const root = tempDir('kt-darwin-');
  const etc = join(root, 'etc');
  mkdirSync(etc);
  writeFileSync(join(etc, 'hosts'), '127.0.0.1 localhost\n');
  writeFileSync(join(etc, 'resolv.conf'), 'nameserver 192.168.1.1\n');
  return {
    ktHome: join(root, 'kt'),
    hostsPath: join(etc, 'hosts'),
    resolverDir: join(etc, 'resolver'),
    resolvConfPath: join(etc, 'resolv.conf'),
  };
}

const answers = (_c: string, args: readonly string[]) => {
  const key = args.join(' ');
  if (key === '-s nat') return { stdout: 'rdr-anchor "com.apple/*" all\n' };
  if (key === '-s rules') return { stdout: 'anchor "com.apple/*" all\n' };
  if (key === '-E') return { stderr: 'pf enabled\nToken : 777\n' };
  if (args[1] === 'get') return { code: 1, stderr: 'route: writing to routing socket: not in table' };
  return undefined;
};

/** Makes every kind of change a connect run makes. */
async function connectLike(platform: ReturnType<typeof createDarwinPlatform>) {
  const session = await platform.openSession({ command: 'connect' });
  const tun = await session.tun!.create({ address: '10.255.0.1/32', mtu: 1400 });
  await session.routes.add({ cidr: '10.96.0.0/16', device: tun.name });
  await session.dns.apply({ nameservers: ['127.0.0.1:5353'], routeDomains: ['cluster.local'] });
  await session.hosts.setBlock([{ ip: '10.96.0.10', names: ['web', 'web.dev'] }]);
  await session.redirect!.redirectTcp({ cidrs: ['10.244.0.0/16'], excludes: [], toPort: 12300 });
  return session;
}

const MADE = [
  'ifconfig utun7 inet 10.255.0.1 10.255.0.1 netmask 255.255.255.255 mtu 1400 up',
  'route -n get -net 10.96.0.0/16',
  'route -n add -net 10.96.0.0/16 -interface utun7',
  'dscacheutil -flushcache',
  'killall -HUP mDNSResponder',
  'pfctl -s nat',
  'pfctl -s rules',
  'pfctl -s Interfaces -i lo0 -v',
  'pfctl -a com.apple/ktctl -f -',
  'pfctl -E',
];
/** Newest first: pf reference, pf anchor, hosts (a file), resolver file + flush, route, utun (a close). */
const UNDONE = [
  'pfctl -X 777',
  'pfctl -a com.apple/ktctl -F all',
  'dscacheutil -flushcache',
  'killall -HUP mDNSResponder',
  'route -n delete -net 10.96.0.0/16 -interface utun7',
];

describe('createDarwinPlatform', () => {
  it('refuses a session without root (KT_NOT_ROOT, sudo hint), running nothing', async () => {
    const runner = recordingRunner();
    const platform = createDarwinPlatform({ ...machine(), runner, libc: fakeLibc().libc, getuid: () => 501 });
    expect(platform.isAdmin()).toBe(false);
    await expect(platform.openSession({ command: 'connect' })).rejects.toMatchObject({
      code: 'KT_NOT_ROOT',
      hint: expect.stringContaining('sudo'),
    });
    expect(runner.calls).toEqual([]);
    expect(platform.capabilities).toEqual({ kernelRedirect: true, tun: true });
    expect(platform.os).toBe('darwin');
  });

  it('close() undoes every change in reverse order and leaves the files as they were', async () => {
    const paths = machine();
    const runner = recordingRunner(answers);
    const fake = fakeLibc();
    const platform = createDarwinPlatform({ ...paths, runner, libc: fake.libc, getuid: () => 0 });
    const session = await connectLike(platform);
    expect(runner.lines()).toEqual(MADE);
    expect(runner.calls.find((c) => c.args.includes('-f'))?.input).toBe(
      pfRedirectRules({ cidrs: ['10.244.0.0/16'], excludes: [], toPort: 12300 }),
    );
    expect(readFileSync(paths.hostsPath, 'utf8')).toBe('127.0.0.1 localhost\n# Kt Hosts Begin\n10.96.0.10 web web.dev\n# Kt Hosts End\n');
    expect(readFileSync(join(paths.resolverDir, 'cluster.local'), 'utf8')).toContain('nameserver 127.0.0.1\nport 5353\n');
    runner.calls.length = 0;
    await session.close();
    expect(runner.lines()).toEqual(UNDONE);
    expect(fake.lines().at(-1)).toBe('close(42)');
    expect(readFileSync(paths.hostsPath, 'utf8')).toBe('127.0.0.1 localhost\n');
    expect(existsSync(paths.resolverDir)).toBe(false);
    expect(existsSync(session.journal.path)).toBe(false);
    await session.close();
  });

  it("restoreStale() undoes a killed run's journal with the same commands", async () => {
    const paths = machine();
    const first = fakeLibc();
    const session = await connectLike(
      createDarwinPlatform({ ...paths, runner: recordingRunner(answers), libc: first.libc, getuid: () => 0 }),
    );
    // The run is killed: its journal stays, written by a pid that is gone now.
    const killed = join(paths.ktHome, 'journal', '999999.json');
    copyFileSync(session.journal.path, killed);
    writeFileSync(killed, readFileSync(killed, 'utf8').replaceAll(`"pid": ${process.pid}`, '"pid": 999999'));

    const runner = recordingRunner();
    const next = createDarwinPlatform({ ...paths, runner, libc: fakeLibc().libc, getuid: () => 0, isAlive: (pid) => pid === process.pid });
    expect((await next.staleChanges())[0]?.changes).toEqual([
      'pf-enabled (token=777)',
      'pf-anchor (anchor=com.apple/ktctl)',
      `hosts-block (path=${paths.hostsPath} addedNewline=false)`,
      expect.stringMatching(/^resolver-file \(path=.*cluster.local written=[0-9a-f]{64} createdDir=true\)$/),
      'route-added (cidr=10.96.0.0/16 device=utun7)',
      'utun (pid=999999 name=utun7)',
    ]);
    // The first session's own journal is this process's (open here): only the killed run's is restored.
    rmSync(session.journal.path);
    const report = await next.restoreStale();
    expect(report).toMatchObject({ restored: [{ pid: 999999, command: 'connect', changes: 6 }], failed: [] });
    expect(runner.lines()).toEqual(UNDONE);
    expect(readFileSync(paths.hostsPath, 'utf8')).toBe('127.0.0.1 localhost\n');
    expect(existsSync(paths.resolverDir)).toBe(false);
    expect(existsSync(killed)).toBe(false);
    // The utun of the killed run went with it; this process's own device of that name stays open.
    expect(first.lines().filter((l) => l.startsWith('close'))).toEqual([]);
  });

  it('without root, restoreStale() changes nothing and says sudo ktctl clean', async () => {
    const paths = machine();
    mkdirSync(join(paths.ktHome, 'journal'), { recursive: true });
    const entries = [{ seq: 1, state: 'applied', entry: { kind: 'route-added', cidr: '10.96.0.0/16', device: 'utun7' } }];
    writeFileSync(
      join(paths.ktHome, 'journal', '424242.json'),
      JSON.stringify({ version: 1, pid: 424242, command: 'connect', startedAt: '', entries }),
    );
    const runner = recordingRunner();
    const report = await createDarwinPlatform({ ...paths, runner, getuid: () => 501, isAlive: () => false }).restoreStale();
    expect(report.failed).toEqual([{ pid: 424242, errors: [expect.stringContaining('sudo ktctl clean')] }]);
    expect(runner.calls).toEqual([]);
  });
});
