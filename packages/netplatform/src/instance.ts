import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, UserError } from '@ktctl/plugin-api';
import type { InstanceLock } from './contract.js';
import { writeFileDurable } from './files.js';

/** Whether a process is alive; EPERM means it is, only not ours to signal. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface InstanceOptions {
  /** `~/.kt/pid`. */
  readonly pidDir: string;
  readonly pid?: number;
  readonly isAlive?: (pid: number) => boolean;
}

interface PidFile {
  readonly path: string;
  readonly command: string;
  readonly pid: number;
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
    .map((m) => ({ path: join(pidDir, m[0]), command: m[1]!, pid: Number(m[2]) }));
}

/** Removes the pid files of dead processes; returns their paths. */
export function removeStalePidFiles(pidDir: string, isAlive = isProcessAlive): string[] {
  const stale = listPidFiles(pidDir).filter((f) => !isAlive(f.pid));
  for (const file of stale) rmSync(file.path, { force: true });
  return stale.map((f) => f.path);
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
  writeFileDurable(pidFile, `${pid}\n`);
  const other = listPidFiles(options.pidDir).find((f) => f.command === command && f.pid !== pid && isAlive(f.pid));
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
