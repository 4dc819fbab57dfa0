import { realpathSync } from 'node:fs';
import { readFileOrUndefined, replaceSystemFile, sha256 } from './files.js';
import type { Journal, JournalEntry, Undoers } from './journal.js';

/**
 * A system file whose content ktctl replaced. `original` keeps the old bytes (base64) so undo is byte for
 * byte; `written` is the hash of what ktctl wrote, so undo can tell whether someone else changed the file
 * since. Then the named `fallback` text transform removes only ktctl's own lines instead.
 */
export interface FileReplacedEntry extends JournalEntry {
  readonly kind: 'file-replaced';
  readonly path: string;
  readonly original: string;
  readonly written: string;
  readonly fallback?: string;
}

/** Replaces a file's content (through a symlink, at its target), journaled first. */
export async function replaceFileJournaled(journal: Journal, path: string, content: string, fallback?: string): Promise<void> {
  const target = realpathSync(path);
  const original = readFileOrUndefined(target);
  if (original === undefined) throw new Error(`${path} does not exist`);
  const entry: FileReplacedEntry = {
    kind: 'file-replaced',
    path: target,
    original: original.toString('base64'),
    written: sha256(content),
    ...(fallback === undefined ? {} : { fallback }),
  };
  await journal.change(entry, async () => replaceSystemFile(target, content));
}

/** The undoer for replaced files, with the text transforms used when the file changed since. */
export function replacedFileUndoers(fallbacks: Readonly<Record<string, (text: string) => string>> = {}): Undoers {
  return {
    'file-replaced': async (raw) => {
      const entry = raw as FileReplacedEntry;
      const current = readFileOrUndefined(entry.path);
      const original = Buffer.from(entry.original, 'base64');
      if (current === undefined || current.equals(original)) return;
      if (sha256(current) === entry.written) {
        replaceSystemFile(entry.path, original);
        return;
      }
      const revert = entry.fallback === undefined ? undefined : fallbacks[entry.fallback];
      if (!revert) return;
      const text = current.toString('utf8');
      const reverted = revert(text);
      if (reverted !== text) replaceSystemFile(entry.path, reverted);
    },
  };
}
