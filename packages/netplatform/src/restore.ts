import type { NetPlatform, RestoreReport, StaleRun } from './contract.js';
import { acquireInstance, type AliveCheck, isProcessAlive, removeStalePidFiles } from './instance.js';
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

export interface RunBookkeepingOptions {
  /** Where journals and pid files live (platformPaths(ktHome)). */
  readonly journalDir: string;
  readonly pidDir: string;
  readonly undoers: Undoers;
  readonly isAlive?: AliveCheck | undefined;
  readonly isAdmin: () => boolean;
  /** What a user without admin rights is told about a killed run's changes, e.g. "need root to undo: run `sudo ktctl clean`". */
  readonly adminAdvice: string;
}

/**
 * The part of a NetPlatform every OS shares: the instance lock, and undoing (or, without admin rights,
 * reporting) what killed runs left.
 */
export function runBookkeeping(options: RunBookkeepingOptions): Pick<NetPlatform, 'acquireInstance' | 'restoreStale' | 'staleChanges'> {
  const alive = options.isAlive ? { isAlive: options.isAlive } : {};
  const staleRuns = (): StaleRun[] => listStaleRuns({ journalDir: options.journalDir, ...alive });
  return {
    acquireInstance: async (command) => acquireInstance(command, { pidDir: options.pidDir, ...alive }),
    staleChanges: async () => staleRuns(),
    async restoreStale() {
      if (options.isAdmin())
        return restoreStaleJournals({ journalDir: options.journalDir, pidDir: options.pidDir, undoers: options.undoers, ...alive });
      // Without admin rights nothing can be undone (proxy-only mode gets here too): say so instead of half-trying.
      const failed = staleRuns().map((run) => ({
        pid: run.pid,
        errors: [`${run.changes.length} laptop change(s) of this killed run ${options.adminAdvice}`],
      }));
      return { restored: [], failed, stalePidFiles: removeStalePidFiles(options.pidDir, options.isAlive) };
    },
  };
}
