import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readFileOrUndefined, writeFileDurable } from './files.js';

/**
 * A laptop change described as data: enough to undo it without the process that made it. `kind` picks the
 * undoer; the OS implementation defines the kinds it writes (route-added, file-replaced, iptables-chain, ...).
 */
export interface JournalEntry {
  readonly kind: string;
  readonly [field: string]: unknown;
}

/** Undoes one entry. Must be idempotent: a half-done undo is run again after a crash. */
export type Undoer = (entry: JournalEntry) => Promise<void>;
export type Undoers = Readonly<Record<string, Undoer>>;

type EntryState = 'applying' | 'applied' | 'undone';

interface StoredEntry {
  seq: number;
  state: EntryState;
  entry: JournalEntry;
}

export interface JournalData {
  version: 1;
  pid: number;
  command: string;
  startedAt: string;
  /** The process start time (see processStartTime), so a reused pid is not taken for the run. */
  startTime?: string;
  entries: StoredEntry[];
}

/** Journals this process has open; restoreStale() never touches them even though their pid is alive. */
const openHere = new Set<string>();

/** One run's write-ahead journal of laptop changes, kept as `<dir>/<pid>.json`. */
export class Journal {
  private constructor(
    readonly path: string,
    private readonly data: JournalData,
    private readonly undoers: Undoers,
  ) {}

  /** Starts this process's journal; throws if one already exists at that path (it must be restored first). */
  static create(dir: string, meta: { pid?: number; command: string; startTime?: string }, undoers: Undoers): Journal {
    const pid = meta.pid ?? process.pid;
    const path = journalPath(dir, pid);
    if (readFileOrUndefined(path) !== undefined) {
      throw new Error(`a journal already exists at ${path}; restore it before starting a new run`);
    }
    const data: JournalData = {
      version: 1,
      pid,
      command: meta.command,
      startedAt: new Date().toISOString(),
      ...(meta.startTime === undefined ? {} : { startTime: meta.startTime }),
      entries: [],
    };
    const journal = new Journal(path, data, undoers);
    journal.flush();
    openHere.add(path);
    return journal;
  }

  /** Loads a journal written by another (dead) process, to undo it. */
  static load(path: string, undoers: Undoers): Journal {
    return new Journal(path, parseJournal(path), undoers);
  }

  get pid(): number {
    return this.data.pid;
  }

  get startTime(): string | undefined {
    return this.data.startTime;
  }

  get command(): string {
    return this.data.command;
  }

  /** The entries not yet undone, oldest first. */
  pending(): JournalEntry[] {
    return this.data.entries.filter((e) => e.state !== 'undone').map((e) => e.entry);
  }

  /**
   * Records the change durably, then makes it. If making it fails, the change is undone at once (the
   * undoers are idempotent, so a change that never happened is harmless to undo) and the error rethrown.
   */
  async change(entry: JournalEntry, apply: () => Promise<void>): Promise<void> {
    const stored: StoredEntry = { seq: this.data.entries.length + 1, state: 'applying', entry };
    this.data.entries.push(stored);
    this.flush();
    try {
      await apply();
    } catch (error) {
      await this.undoOne(stored).catch(() => undefined);
      throw error;
    }
    stored.state = 'applied';
    this.flush();
  }

  /** Undoes the pending entries matching `match`, newest first (e.g. one route the caller removes). */
  async undoWhere(match: (entry: JournalEntry) => boolean): Promise<void> {
    for (const stored of [...this.data.entries].reverse()) {
      if (stored.state !== 'undone' && match(stored.entry)) await this.undoOne(stored);
    }
  }

  /**
   * Undoes every pending entry, newest first, recording progress after each. Keeps going past a failure
   * and returns the failures; when there are none the journal file is removed.
   */
  async undoAll(): Promise<string[]> {
    const errors: string[] = [];
    for (const stored of [...this.data.entries].reverse()) {
      if (stored.state === 'undone') continue;
      try {
        await this.undoOne(stored);
      } catch (error) {
        errors.push(`${describe(stored.entry)}: ${(error as Error).message}`);
      }
    }
    if (errors.length === 0) this.remove();
    return errors;
  }

  private async undoOne(stored: StoredEntry): Promise<void> {
    const undo = this.undoers[stored.entry.kind];
    if (!undo) throw new Error(`no undoer for journal entry kind ${stored.entry.kind}`);
    await undo(stored.entry);
    stored.state = 'undone';
    this.flush();
  }

  private remove(): void {
    rmSync(this.path, { force: true });
    openHere.delete(this.path);
  }

  private flush(): void {
    writeFileDurable(this.path, `${JSON.stringify(this.data, null, 2)}\n`, 0o600);
  }
}

export function journalPath(dir: string, pid: number): string {
  return join(dir, `${pid}.json`);
}

/** A one-line description of an entry, for error messages. */
export function describe(entry: JournalEntry): string {
  const detail = Object.entries(entry)
    .filter(([key, value]) => key !== 'kind' && key !== 'original' && typeof value !== 'object')
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(' ');
  return detail ? `${entry.kind} (${detail})` : entry.kind;
}

function parseJournal(path: string): JournalData {
  const bytes = readFileOrUndefined(path);
  if (bytes === undefined) throw new Error(`journal ${path} is gone`);
  const data = JSON.parse(bytes.toString('utf8')) as JournalData;
  if (data.version !== 1 || !Number.isInteger(data.pid) || !Array.isArray(data.entries)) {
    throw new Error(`journal ${path} is not a ktctl journal (version ${String(data.version)})`);
  }
  return data;
}

/** The journal files in a folder, with the pid each belongs to. */
export function listJournals(dir: string): { path: string; pid: number }[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return names
    .map((name) => /^(\d+)\.json$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ path: join(dir, m[0]), pid: Number(m[1]) }));
}

/** Whether a journal at this path is open in this very process (and so must not be restored). */
export function isOpenHere(path: string): boolean {
  return openHere.has(path);
}
