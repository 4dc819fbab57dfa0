import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { acquireInstance, recordingRunner } from '@ktctl/netplatform';
import { describe, expect, it } from 'vitest';
import { tempDir } from '@ktctl/netplatform/testing';
import { createLinuxPlatform } from './platform.js';

describe('createLinuxPlatform', () => {
  const ktHome = () => tempDir('kt-home-');
  /** A ktHome whose journal holds a dead connect run (pid) that had added one route. */
  const deadRunWithRoute = (pid: number): string => {
    const home = ktHome();
    mkdirSync(join(home, 'journal'), { recursive: true });
    const entries = [{ seq: 1, state: 'applied', entry: { kind: 'route-added', cidr: '10.96.0.0/16', device: 'kt0' } }];
    writeFileSync(join(home, 'journal', `${pid}.json`), JSON.stringify({ version: 1, pid, command: 'connect', startedAt: '', entries }));
    return home;
  };

  it('refuses a session without root (KT_NOT_ROOT) before running anything', async () => {
    const runner = recordingRunner();
    const platform = createLinuxPlatform({ ktHome: ktHome(), runner, geteuid: () => 1000 });
    expect(platform.isAdmin()).toBe(false);
    await expect(platform.openSession({ command: 'connect' })).rejects.toMatchObject({ code: 'KT_NOT_ROOT' });
    expect(runner.calls).toEqual([]);
  });

  it('takes the connect instance without root (proxy-only mode) and refuses a second one', async () => {
    const home = ktHome();
    const first = createLinuxPlatform({ ktHome: home, geteuid: () => 1000 });
    const lock = await first.acquireInstance('connect');
    const second = createLinuxPlatform({ ktHome: home, geteuid: () => 1000, isAlive: () => true });
    // Another process (pid 999999, alive) asking while this one holds the instance.
    expect(() => acquireInstance('connect', { pidDir: join(home, 'pid'), pid: 999_999, isAlive: () => true })).toThrow(
      expect.objectContaining({ code: 'KT_ALREADY_RUNNING' }),
    );
    await lock.release();
    await expect(second.acquireInstance('connect')).resolves.toBeDefined();
  });

  it('without root, restoreStale() undoes nothing and says the killed run needs sudo ktctl clean', async () => {
    const home = deadRunWithRoute(424242);
    const runner = recordingRunner();
    const platform = createLinuxPlatform({ ktHome: home, runner, geteuid: () => 1000, isAlive: () => false });
    const report = await platform.restoreStale();
    expect(report.failed).toEqual([{ pid: 424242, errors: [expect.stringContaining('sudo ktctl clean')] }]);
    expect(runner.calls).toEqual([]);
    expect(await platform.staleChanges()).toEqual([
      { pid: 424242, command: 'connect', changes: ['route-added (cidr=10.96.0.0/16 device=kt0)'] },
    ]);
  });

  it('as root, restoreStale() undoes a dead run with the real commands', async () => {
    const home = deadRunWithRoute(424243);
    const runner = recordingRunner();
    const report = await createLinuxPlatform({ ktHome: home, runner, geteuid: () => 0, isAlive: () => false }).restoreStale();
    expect(report.restored).toEqual([{ pid: 424243, command: 'connect', changes: 1 }]);
    expect(runner.lines()).toEqual(['ip route del 10.96.0.0/16 dev kt0']);
  });

  it('says what it can do', () => {
    expect(createLinuxPlatform({ ktHome: ktHome() }).capabilities).toEqual({ kernelRedirect: true, tun: true });
  });
});
