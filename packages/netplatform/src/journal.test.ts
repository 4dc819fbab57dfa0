import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './testing/temp.js';
import { Journal, type JournalEntry, listJournals } from './journal.js';
import { listStaleRuns, restoreStaleJournals } from './restore.js';

function fixture() {
  const dir = tempDir('kt-journal-');
  const undone: string[] = [];
  const undoers = {
    step: async (e: JournalEntry) => {
      undone.push(String(e.name));
    },
  };
  return { dir, undone, undoers };
}

const onDisk = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as { entries: { state: string; entry: JournalEntry }[] };

describe('Journal', () => {
  it('writes each entry to disk before the change is made', async () => {
    const { dir, undoers } = fixture();
    const journal = Journal.create(dir, { pid: 4242, command: 'connect' }, undoers);
    let seenDuringApply: unknown;
    await journal.change({ kind: 'step', name: 'a' }, async () => {
      seenDuringApply = onDisk(journal.path).entries.map((e) => [e.entry.name, e.state]);
    });
    expect(seenDuringApply).toEqual([['a', 'applying']]);
    expect(onDisk(journal.path).entries.map((e) => e.state)).toEqual(['applied']);
    expect(journal.path).toBe(join(dir, '4242.json'));
  });

  it('undoes in reverse order and removes the file', async () => {
    const { dir, undone, undoers } = fixture();
    const journal = Journal.create(dir, { pid: 1, command: 'connect' }, undoers);
    for (const name of ['a', 'b', 'c']) await journal.change({ kind: 'step', name }, async () => undefined);
    expect(await journal.undoAll()).toEqual([]);
    expect(undone).toEqual(['c', 'b', 'a']);
    expect(existsSync(journal.path)).toBe(false);
  });

  it('undoes a change whose apply failed, and rethrows', async () => {
    const { dir, undone, undoers } = fixture();
    const journal = Journal.create(dir, { pid: 2, command: 'connect' }, undoers);
    await expect(
      journal.change({ kind: 'step', name: 'x' }, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(undone).toEqual(['x']);
    expect(journal.pending()).toEqual([]);
  });

  it('keeps going past a failing undo, records progress, and a second run finishes the rest', async () => {
    const { dir, undoers } = fixture();
    const journal = Journal.create(dir, { pid: 3, command: 'connect' }, undoers);
    for (const name of ['a', 'b', 'c']) await journal.change({ kind: 'step', name }, async () => undefined);
    const calls: string[] = [];
    let failB = true;
    const flaky = {
      step: async (e: JournalEntry) => {
        calls.push(String(e.name));
        if (e.name === 'b' && failB) throw new Error('busy');
      },
    };
    const reloaded = Journal.load(journal.path, flaky);
    expect(await reloaded.undoAll()).toEqual(['step (name=b): busy']);
    expect(onDisk(journal.path).entries.map((e) => e.state)).toEqual(['undone', 'applied', 'undone']);
    failB = false;
    expect(await Journal.load(journal.path, flaky).undoAll()).toEqual([]);
    expect(calls).toEqual(['c', 'b', 'a', 'b']);
    expect(existsSync(journal.path)).toBe(false);
  });

  it('refuses to start over an existing journal of the same pid', () => {
    const { dir, undoers } = fixture();
    Journal.create(dir, { pid: 5, command: 'connect' }, undoers);
    expect(() => Journal.create(dir, { pid: 5, command: 'connect' }, undoers)).toThrow(/restore it/);
  });

  it('undoWhere undoes only the matching entries', async () => {
    const { dir, undone, undoers } = fixture();
    const journal = Journal.create(dir, { pid: 6, command: 'connect' }, undoers);
    for (const name of ['a', 'b']) await journal.change({ kind: 'step', name }, async () => undefined);
    await journal.undoWhere((e) => e.name === 'a');
    expect(undone).toEqual(['a']);
    expect(journal.pending().map((e) => e.name)).toEqual(['b']);
  });
});

describe('restoreStaleJournals', () => {
  it('undoes journals of dead pids, leaves live ones and the ones open in this process', async () => {
    const { dir, undone, undoers } = fixture();
    // Written as another process would: the file alone, not a journal open in this process.
    const elsewhere = fixture().dir;
    const dead = Journal.create(elsewhere, { pid: 100, command: 'connect' }, undoers);
    await dead.change({ kind: 'step', name: 'dead-1' }, async () => undefined);
    await dead.change({ kind: 'step', name: 'dead-2' }, async () => undefined);
    copyFileSync(dead.path, join(dir, '100.json'));
    const mine = Journal.create(dir, { pid: 300, command: 'connect' }, undoers);
    await mine.change({ kind: 'step', name: 'mine' }, async () => undefined);
    const live = Journal.create(dir, { pid: 200, command: 'connect' }, undoers);
    await live.change({ kind: 'step', name: 'live' }, async () => undefined);
    const report = await restoreStaleJournals({
      journalDir: dir,
      pidDir: join(dir, 'pid'),
      undoers,
      isAlive: (pid) => pid === 200,
    });
    expect(report.restored).toEqual([{ pid: 100, command: 'connect', changes: 2 }]);
    expect(report.failed).toEqual([]);
    expect(undone).toEqual(['dead-2', 'dead-1']);
    expect(
      listJournals(dir)
        .map((j) => j.pid)
        .sort(),
    ).toEqual([200, 300]);
  });

  it('takes a journal whose pid now belongs to another process (other start time) for a dead run', async () => {
    const { dir, undone, undoers } = fixture();
    const elsewhere = fixture().dir;
    // The parent process is alive, but it is not the process that wrote this journal.
    const reused = Journal.create(elsewhere, { pid: process.ppid, command: 'connect', startTime: '1' }, undoers);
    await reused.change({ kind: 'step', name: 'old-run' }, async () => undefined);
    copyFileSync(reused.path, join(dir, `${process.ppid}.json`));
    const report = await restoreStaleJournals({ journalDir: dir, pidDir: join(dir, 'pid'), undoers });
    expect(report.restored).toEqual([{ pid: process.ppid, command: 'connect', changes: 1 }]);
    expect(undone).toEqual(['old-run']);
  });

  it('reports a journal it cannot read instead of throwing', async () => {
    const { dir, undoers } = fixture();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, '77.json'), '{"version": 9}');
    const report = await restoreStaleJournals({ journalDir: dir, pidDir: join(dir, 'pid'), undoers, isAlive: () => false });
    expect(report.failed[0]?.pid).toBe(77);
    expect(report.failed[0]?.errors[0]).toMatch(/not a ktctl journal/);
  });
});

describe('listStaleRuns', () => {
  it('lists what restore would undo, newest first, without changing anything', async () => {
    const { dir, undone, undoers } = fixture();
    const elsewhere = fixture().dir;
    const dead = Journal.create(elsewhere, { pid: 100, command: 'connect' }, undoers);
    await dead.change({ kind: 'step', name: 'first' }, async () => undefined);
    await dead.change({ kind: 'step', name: 'second', original: 'bXkgYnl0ZXM=' }, async () => undefined);
    copyFileSync(dead.path, join(dir, '100.json'));
    expect(listStaleRuns({ journalDir: dir, isAlive: () => false })).toEqual([
      { pid: 100, command: 'connect', changes: ['step (name=second)', 'step (name=first)'] },
    ]);
    expect(undone).toEqual([]);
    expect(listJournals(dir)).toHaveLength(1);
  });
});
