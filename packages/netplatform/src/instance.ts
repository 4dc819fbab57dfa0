import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, UserError } from '@ktctl/plugin-api';
import type { InstanceLock } from './contract.js';
import { writeFileDurable } from './files.js';

/** When a process started (Linux: clock ticks since boot, from /proc); undefined where unknown. */
export function processStartTime(pid: number, proc = '/proc'): string | undefined {
  try {
    const stat = readFileSync(`${proc}/${pid}/stat`, 'utf8');
    // Field 22 (starttime); the name in field 2 may hold spaces and parentheses, so count after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/**
 * Whether a process is alive; EPERM means it is, only not ours to signal. With the start time recorded
 * for it, a live process with another start time is a new process that got the same pid: the old one is dead.
 */
export function isProcessAlive(pid: number, startTime?: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const now = startTime ? processStartTime(pid) : undefined;
  return now === undefined || now === startTime;
}

export type AliveCheck = (pid: number, startTime?: string) => boolean;

export interface InstanceOptions {
  /** `~/.kt/pid`. */
  readonly pidDir: string;
  readonly pid?: number;
  readonly isAlive?: AliveCheck;
}

interface PidFile {
  readonly path: string;
  readonly command: string;
  readonly pid: number;
  readonly startTime: string | undefined;
}

/** The `<cmd>-<pid>.pid` files in the pid folder. */
export function listPidFiles(pidDir: string): PidFile[] {
  let names: string[];
  try {
    names = readdirSync(pidDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return names
    .map((name) => /^(.+)-(\d+)\.pid$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ path: join(pidDir, m[0]), command: m[1]!, pid: Number(m[2]), startTime: recordedStartTime(join(pidDir, m[0])) }));
}

/** The second line of a pid file: the process start time written with it. */
function recordedStartTime(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').split('\n')[1]?.trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Removes the pid files of dead processes; returns the paths removed (others' files we may not remove stay). */
export function removeStalePidFiles(pidDir: string, isAlive: AliveCheck = isProcessAlive): string[] {
  const removed: string[] = [];
  for (const file of listPidFiles(pidDir).filter((f) => !isAlive(f.pid, f.startTime))) {
    try {
      rmSync(file.path, { force: true });
      removed.push(file.path);
    } catch {
      // Written by root under sudo and we are not root: `sudo ktctl clean` removes it.
    }
  }
  return removed;
}

/**
 * Writes `<cmd>-<pid>.pid` and refuses when another live process runs the same command. The check runs
 * after our own file exists, so two racing starts cannot both pass (at worst both refuse).
 */
export function acquireInstance(command: string, options: InstanceOptions): InstanceLock {
  const pid = options.pid ?? process.pid;
  const isAlive = options.isAlive ?? isProcessAlive;
  mkdirSync(options.pidDir, { recursive: true });
  removeStalePidFiles(options.pidDir, isAlive);
  const pidFile = join(options.pidDir, `${command}-${pid}.pid`);
  writeFileDurable(pidFile, `${pid}\n${processStartTime(pid) ?? ''}\n`);
  const other = listPidFiles(options.pidDir).find((f) => f.command === command && f.pid !== pid && isAlive(f.pid, f.startTime));
  if (other) {
    rmSync(pidFile, { force: true });
    throw new UserError(ErrorCode.AlreadyRunning, `ktctl ${command} is already running (pid ${other.pid})`, {
      hint: `only one ${command} per machine: stop that one first, or run \`ktctl clean\` if it is gone`,
    });
  }
  return {
    pidFile,
    release: async () => {
      rmSync(pidFile, { force: true });
    },
  };
}
