import { readFileSync } from 'node:fs';
import type { HostsEntry, HostsFile } from './contract.js';
import { replaceSystemFile } from './files.js';
import type { Journal, JournalEntry, Undoers } from './journal.js';

export const HOSTS_BEGIN = '# Kt Hosts Begin';
export const HOSTS_END = '# Kt Hosts End';

/** The journal entry for a hosts block; `addedNewline` says we had to end the last line before the block. */
export interface HostsBlockEntry extends JournalEntry {
  readonly kind: 'hosts-block';
  readonly path: string;
  readonly addedNewline: boolean;
}

/** The text with ktctl's block removed, and whether there was one. Other lines stay byte for byte. */
export function stripHostsBlock(text: string): { text: string; found: boolean } {
  const lines = text.split(/(?<=\n)/);
  const begin = lines.findIndex((l) => l.trimEnd() === HOSTS_BEGIN);
  if (begin < 0) return { text, found: false };
  const end = lines.findIndex((l, i) => i > begin && l.trimEnd() === HOSTS_END);
  // A begin without an end is not ours to guess about: leave every line alone.
  if (end < 0) return { text, found: false };
  return { text: [...lines.slice(0, begin), ...lines.slice(end + 1)].join(''), found: true };
}

/** The block's lines for these entries, `ip name name...` one per line, ending lines as the file does. */
export function renderHostsBlock(entries: readonly HostsEntry[], eol = '\n'): string {
  for (const entry of entries) checkEntry(entry);
  const lines = entries.filter((e) => e.names.length > 0).map((e) => `${e.ip} ${e.names.join(' ')}`);
  return [HOSTS_BEGIN, ...lines, HOSTS_END, ''].join(eol);
}

/** CRLF for a file that uses it (Windows' hosts file), else LF. */
function eolOf(text: string): string {
  return text.includes('\r\n') ? '\r\n' : '\n';
}

/** The text with ktctl's block replaced by one for these entries (appended at the end). */
export function withHostsBlock(text: string, entries: readonly HostsEntry[]): { text: string; addedNewline: boolean } {
  const base = stripHostsBlock(text).text;
  const eol = eolOf(text);
  const addedNewline = base.length > 0 && !base.endsWith('\n');
  return { text: `${base}${addedNewline ? eol : ''}${renderHostsBlock(entries, eol)}`, addedNewline };
}

/** Undoes withHostsBlock: strips the block and the newline we added, only when a block is there (idempotent). */
export function withoutHostsBlock(text: string, addedNewline: boolean): string {
  const stripped = stripHostsBlock(text);
  if (!stripped.found || !addedNewline) return stripped.text;
  const eol = stripped.text.endsWith('\r\n') ? '\r\n' : '\n';
  return stripped.text.endsWith(eol) ? stripped.text.slice(0, -eol.length) : stripped.text;
}

function checkEntry(entry: HostsEntry): void {
  // Names come from the cluster: nothing that could add a line or a comment to the hosts file gets in.
  if (!/^[0-9a-fA-F:.]+$/.test(entry.ip)) throw new Error(`not an IP address for the hosts file: ${entry.ip}`);
  const bad = entry.names.find((n) => !/^[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(n));
  if (bad !== undefined) throw new Error(`not a host name for the hosts file: ${JSON.stringify(bad)}`);
}

/** The hosts file on any OS: a journaled block that close() (or restoreStale) removes again. */
export function createHostsFile(path: string, journal: Journal): HostsFile {
  const isOurs = (e: JournalEntry) => e.kind === 'hosts-block' && e.path === path;
  return {
    async setBlock(entries) {
      const next = withHostsBlock(readFileSync(path, 'utf8'), entries);
      if (journal.pending().some(isOurs)) {
        replaceSystemFile(path, next.text);
        return;
      }
      const entry: HostsBlockEntry = { kind: 'hosts-block', path, addedNewline: next.addedNewline };
      await journal.change(entry, async () => replaceSystemFile(path, next.text));
    },
    async clearBlock() {
      await journal.undoWhere(isOurs);
    },
  };
}

/** Undoers for the entries this module writes. */
export const hostsUndoers: Undoers = {
  'hosts-block': async (entry) => {
    const { path, addedNewline } = entry as HostsBlockEntry;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    const restored = withoutHostsBlock(text, addedNewline);
    if (restored !== text) replaceSystemFile(path, restored);
  },
};
