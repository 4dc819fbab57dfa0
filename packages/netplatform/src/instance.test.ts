import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './testing/temp.js';
import { acquireInstance, isProcessAlive, processStartTime, removeStalePidFiles } from './instance.js';
import { requireRoot, unsupportedPlatform } from './errors.js';

describe('acquireInstance', () => {
  it('writes <cmd>-<pid>.pid and removes it on release', async () => {
    const pidDir = join(tempDir('kt-pid-'), 'pid');
    const lock = acquireInstance('connect', { pidDir, pid: 321, isAlive: () => true });
    expect(lock.pidFile).toBe(join(pidDir, 'connect-321.pid'));
    expect(existsSync(lock.pidFile)).toBe(true);
    await lock.release();
    expect(readdirSync(pidDir)).toEqual([]);
  });

  it('refuses while another live connect runs, and leaves no file of its own', () => {
    const pidDir = tempDir('kt-pid-');
    writeFileSync(join(pidDir, 'connect-100.pid'), '100\n');
    writeFileSync(join(pidDir, 'exchange-101.pid'), '101\n');
    const attempt = () => acquireInstance('connect', { pidDir, pid: 200, isAlive: () => true });
    expect(attempt).toThrow(expect.objectContaining({ code: 'KT_ALREADY_RUNNING' }));
    expect(readdirSync(pidDir).sort()).toEqual(['connect-100.pid', 'exchange-101.pid']);
  });

  it('takes over from a dead one, removing its stale pid file', () => {
    const pidDir = tempDir('kt-pid-');
    mkdirSync(pidDir, { recursive: true });
    writeFileSync(join(pidDir, 'connect-100.pid'), '100\n');
    acquireInstance('connect', { pidDir, pid: 200, isAlive: (pid) => pid === 200 });
    expect(readdirSync(pidDir)).toEqual(['connect-200.pid']);
  });

  it('knows this process is alive and a reaped one is not', () => {
    expect(isProcessAlive(process.pid)).toBe(true);
    expect(isProcessAlive(2 ** 22 + 12345)).toBe(false);
  });

  it('takes a live process with another start time for a reused pid, i.e. the recorded one is dead', () => {
    const startTime = processStartTime(process.pid);
    expect(startTime).toMatch(/^\d+$/);
    expect(isProcessAlive(process.pid, startTime)).toBe(true);
    expect(isProcessAlive(process.pid, '1')).toBe(false);
  });

  it('records the start time in the pid file, and a pid file of a reused pid is stale', () => {
    const pidDir = tempDir('kt-pid-');
    const lock = acquireInstance('connect', { pidDir, pid: process.pid });
    expect(readFileSync(lock.pidFile, 'utf8')).toBe(`${process.pid}\n${processStartTime(process.pid)}\n`);
    writeFileSync(join(pidDir, `connect-${process.ppid}.pid`), `${process.ppid}\n1\n`);
    expect(removeStalePidFiles(pidDir)).toEqual([join(pidDir, `connect-${process.ppid}.pid`)]);
  });
});

describe('errors', () => {
  it('requireRoot throws KT_NOT_ROOT with a sudo hint for a non-root user only', () => {
    expect(() => requireRoot('ktctl connect', () => 1000)).toThrow(
      expect.objectContaining({ code: 'KT_NOT_ROOT', hint: expect.stringContaining('sudo') }),
    );
    expect(() => requireRoot('ktctl connect', () => 0)).not.toThrow();
  });

  it('unsupportedPlatform names the OS', () => {
    expect(unsupportedPlatform('aix')).toMatchObject({ code: 'KT_UNSUPPORTED_PLATFORM', message: expect.stringContaining('aix') });
  });
});
