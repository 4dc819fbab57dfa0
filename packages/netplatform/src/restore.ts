import type { RestoreReport, StaleRun } from './contract.js';
import { type AliveCheck, isProcessAlive, removeStalePidFiles } from './instance.js';
import { describe, isOpenHere, Journal, listJournals, type Undoers } from './journal.js';

export interface RestoreOptions {
  /** `~/.kt/journal`. */
  readonly journalDir: string;
  /** `~/.kt/pid`. */
  readonly pidDir: string;
  readonly undoers: Undoers;
  readonly isAlive?: AliveCheck;
}

/**
 * Undoes the journals of dead runs (newest change first) and removes their stale pid files. A journal that
 * cannot be undone completely stays, with its progress recorded, for the next attempt.
 */
export async function restoreStaleJournals(options: RestoreOptions): Promise<RestoreReport> {
  const isAlive = options.isAlive ?? isProcessAlive;
  const restored: { pid: number; command: string; changes: number }[] = [];
  const failed: { pid: number; errors: string[] }[] = [];
  for (const { path, pid } of listJournals(options.journalDir)) {
    if (isOpenHere(path)) continue;
    let journal: Journal;
    try {
      journal = Journal.load(path, options.undoers);
    } catch (error) {
      if (!isAlive(pid)) failed.push({ pid, errors: [(error as Error).message] });
      continue;
    }
    if (pid !== process.pid && isAlive(pid, journal.startTime)) continue;
    const changes = journal.pending().length;
    const errors = await journal.undoAll();
    if (errors.length === 0) restored.push({ pid, command: journal.command, changes });
    else failed.push({ pid, errors });
  }
  return { restored, failed, stalePidFiles: removeStalePidFiles(options.pidDir, isAlive) };
}

/** The journals restoreStaleJournals() would undo, and their changes newest first; changes nothing. */
export function listStaleRuns(options: Omit<RestoreOptions, 'undoers' | 'pidDir'>): StaleRun[] {
  const isAlive = options.isAlive ?? isProcessAlive;
  const runs: StaleRun[] = [];
  for (const { path, pid } of listJournals(options.journalDir)) {
    if (isOpenHere(path)) continue;
    let journal: Journal;
    try {
      journal = Journal.load(path, {});
    } catch {
      continue;
    }
    if (pid !== process.pid && isAlive(pid, journal.startTime)) continue;
    runs.push({ pid, command: journal.command, changes: journal.pending().reverse().map(describe) });
  }
  return runs;
}
