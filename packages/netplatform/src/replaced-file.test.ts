import { readFileSync, symlinkSync, writeFileSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './testing/temp.js';
import { Journal } from './journal.js';
import { replacedFileUndoers, replaceFileJournaled } from './replaced-file.js';

function setup() {
  const dir = tempDir('kt-replace-');
  const target = join(dir, 'real.conf');
  const original = Buffer.from('nameserver 1.1.1.1\r\n\u00e9 odd bytes \xff no newline at end', 'latin1');
  writeFileSync(target, original);
  const undoers = replacedFileUndoers({ strip: (t) => t.replace('ours\n', '') });
  const journal = Journal.create(join(dir, 'journal'), { pid: 11, command: 'connect' }, undoers);
  return { dir, target, original, undoers, journal };
}

describe('replaceFileJournaled', () => {
  it('restores the original bytes exactly, through a symlink that stays a symlink', async () => {
    const { dir, target, original, journal } = setup();
    const link = join(dir, 'resolv.conf');
    symlinkSync(target, link);
    await replaceFileJournaled(journal, link, 'ours\n', 'strip');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, 'utf8')).toBe('ours\n');
    expect(journal.pending()[0]).toMatchObject({ kind: 'file-replaced', path: target });
    expect(await journal.undoAll()).toEqual([]);
    expect(readFileSync(target).equals(original)).toBe(true);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
  });

  it('falls back to the text transform when someone changed the file since', async () => {
    const { target, journal } = setup();
    await replaceFileJournaled(journal, target, 'ours\nnameserver 9.9.9.9\n', 'strip');
    writeFileSync(target, 'ours\nnameserver 8.8.8.8\n');
    expect(await journal.undoAll()).toEqual([]);
    expect(readFileSync(target, 'utf8')).toBe('nameserver 8.8.8.8\n');
  });

  it('is idempotent: undoing twice leaves the original', async () => {
    const { target, original, journal, undoers } = setup();
    await replaceFileJournaled(journal, target, 'ours\n');
    const [entry] = journal.pending();
    await undoers['file-replaced']!(entry!);
    await undoers['file-replaced']!(entry!);
    expect(readFileSync(target).equals(original)).toBe(true);
  });
});
