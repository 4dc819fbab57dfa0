import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commandRunState } from './run-state.js';

describe("a command's run state", () => {
  it('writes nothing until the first update, then ~/.kt/run/<cmd>-<pid>.json with the flags, gone on remove', () => {
    const home = mkdtempSync(join(tmpdir(), 'kt-app-run-'));
    const sink = commandRunState(['connect'], { namespace: 'dev', context: 'kind' }, { KT_HOME: home });
    expect(existsSync(join(home, 'run'))).toBe(false);
    sink.update({ state: 'starting' });
    const file = join(home, 'run', `connect-${process.pid}.json`);
    const state = JSON.parse(readFileSync(file, 'utf8'));
    expect(state).toMatchObject({ command: 'connect', pid: process.pid, namespace: 'dev', context: 'kind', state: 'starting' });
    expect(state.commandLine).toMatch(/^ktctl/);
    sink.update({ state: 'connected' });
    expect(JSON.parse(readFileSync(file, 'utf8')).state).toBe('connected');
    sink.remove();
    expect(readdirSync(join(home, 'run'))).toEqual([]);
  });
});
