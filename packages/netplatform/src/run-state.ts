import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileDurable } from './files.js';
import { type AliveCheck, isProcessAlive, processStartTime } from './instance.js';

/**
 * The live state a running ktctl process publishes for `ktctl status`: one `<command>-<pid>.json` per process
 * under `~/.kt/run`, rewritten whole (write + rename) on every change and removed when the process exits. A
 * process killed with -9 leaves its file behind; the pid and its start time (Linux) then say it is dead.
 */
export interface RunStateRecord {
  readonly command: string;
  readonly pid: number;
  /** The process start time (Linux: clock ticks since boot), so a reused pid is not taken for this run. */
  readonly startTime?: string;
  /** When the process started (ISO 8601, laptop clock). */
  readonly since: string;
  /** When the file was last written (ISO 8601, laptop clock). */
  readonly updatedAt: string;
  readonly [field: string]: unknown;
}

/** A record read back, with whether its process still runs and where its file is. */
export type RunStateEntry = RunStateRecord & { readonly alive: boolean; readonly file: string };

/** `~/.kt/run`, beside the journal and pid folders. */
export function runStateDir(ktHome: string): string {
  return join(ktHome, 'run');
}

/** This process's state file: created by the first update, merged on later ones, removed by remove(). */
export class RunStateFile {
  private state: RunStateRecord;
  private removed = false;
  readonly path: string;

  constructor(
    dir: string,
    command: string,
    base: Readonly<Record<string, unknown>> = {},
    pid: number = process.pid,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.path = join(dir, `${command.replace(/[^\w.-]+/g, '_')}-${pid}.json`);
    const startTime = processStartTime(pid);
    this.state = {
      ...base,
      command,
      pid,
      ...(startTime ? { startTime } : {}),
      since: now().toISOString(),
      updatedAt: now().toISOString(),
    };
  }

  /** Merges the fields (undefined drops one) and rewrites the file; never throws (status is best effort). */
  update(fields: Readonly<Record<string, unknown>>): void {
    if (this.removed) return;
    const next: Record<string, unknown> = { ...this.state };
    for (const [key, value] of Object.entries(fields)) {
      if (value === undefined) delete next[key];
      else next[key] = value;
    }
    this.state = { ...(next as RunStateRecord), updatedAt: this.now().toISOString() };
    try {
      writeFileDurable(this.path, `${JSON.stringify(this.state, null, 2)}\n`);
    } catch {
      // A read-only or full home must not stop the command; status just will not see it.
    }
  }

  get current(): RunStateRecord {
    return this.state;
  }

  /** Removes the file; later updates do nothing. */
  remove(): void {
    this.removed = true;
    rmSync(this.path, { force: true });
  }
}

/** Every state file in the folder, newest start first, each marked alive or dead; unreadable files are skipped. */
export function listRunStates(dir: string, isAlive: AliveCheck = isProcessAlive): RunStateEntry[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const entries: RunStateEntry[] = [];
  for (const name of names) {
    if (!/^[\w.-]+-\d+\.json$/.test(name)) continue;
    const file = join(dir, name);
    try {
      const record = JSON.parse(readFileSync(file, 'utf8')) as RunStateRecord;
      if (typeof record.pid !== 'number' || typeof record.command !== 'string') continue;
      entries.push({ ...record, alive: isAlive(record.pid, record.startTime), file });
    } catch {
      continue; // being replaced, or edited by hand
    }
  }
  return entries.sort((a, b) => b.since.localeCompare(a.since));
}

/** Removes the state files of dead processes (what `ktctl clean` does), and a half-written one a kill left; returns the paths removed. */
export function removeDeadRunStates(dir: string, isAlive: AliveCheck = isProcessAlive): string[] {
  const removed: string[] = [];
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    const writer = /^\..+\.kt-(\d+)\.tmp$/.exec(name)?.[1];
    if (writer === undefined || isAlive(Number(writer))) continue;
    rmSync(join(dir, name), { force: true });
    removed.push(join(dir, name));
  }
  for (const entry of listRunStates(dir, isAlive).filter((e) => !e.alive)) {
    try {
      rmSync(entry.file, { force: true });
      removed.push(entry.file);
    } catch {
      // written by root under sudo: `sudo ktctl clean` removes it
    }
  }
  return removed;
}
