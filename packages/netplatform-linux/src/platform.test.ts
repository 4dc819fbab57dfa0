import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireInstance, recordingRunner } from '@ktctl/netplatform';
import { describe, expect, it } from 'vitest';
import { createLinuxPlatform } from './platform.js';

describe('createLinuxPlatform', () => {
  const ktHome = () => mkdtempSync(join(tmpdir(), 'kt-home-'));

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

  it('says what it can do', () => {
    expect(createLinuxPlatform({ ktHome: ktHome() }).capabilities).toEqual({ kernelRedirect: true, tun: false });
  });
});
