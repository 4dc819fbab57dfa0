import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listRunStates, removeDeadRunStates, RunStateFile } from './run-state.js';

describe('run state files', () => {
  it('is written by the first update, merged by the next, gone after remove', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kt-run-'));
    const file = new RunStateFile(dir, 'connect', { namespace: 'dev' });
    expect(existsSync(file.path)).toBe(false);
    file.update({ tunnel: 'connected', proxy: '127.0.0.1:2223' });
    file.update({ tunnel: 'reconnecting', proxy: undefined });
    const written = JSON.parse(readFileSync(file.path, 'utf8'));
    expect(written).toMatchObject({ command: 'connect', pid: process.pid, namespace: 'dev', tunnel: 'reconnecting' });
    expect(written.proxy).toBeUndefined();
    expect(Date.parse(written.since)).not.toBeNaN();
    const [entry] = listRunStates(dir);
    expect(entry).toMatchObject({ command: 'connect', alive: true, file: file.path });
    file.remove();
    file.update({ tunnel: 'connected' });
    expect(existsSync(file.path)).toBe(false);
  });

  it('marks a dead process and removes only dead files; skips what is not a state file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kt-run-'));
    const live = new RunStateFile(dir, 'connect', {}, 100);
    live.update({});
    const dead = new RunStateFile(dir, 'exchange', {}, 200);
    dead.update({});
    writeFileSync(join(dir, 'junk-1.json'), '{not json');
    writeFileSync(join(dir, 'notes.txt'), 'x');
    const isAlive = (pid: number) => pid === 100;
    expect(
      listRunStates(dir, isAlive)
        .map((e) => [e.command, e.alive])
        .sort(),
    ).toEqual([
      ['connect', true],
      ['exchange', false],
    ]);
    writeFileSync(join(dir, '.exchange-200.json.kt-200.tmp'), '{');
    writeFileSync(join(dir, '.connect-100.json.kt-100.tmp'), '{');
    expect(removeDeadRunStates(dir, isAlive)).toEqual([join(dir, '.exchange-200.json.kt-200.tmp'), dead.path]);
    expect(existsSync(join(dir, '.connect-100.json.kt-100.tmp'))).toBe(true);
    expect(existsSync(live.path)).toBe(true);
  });
});
