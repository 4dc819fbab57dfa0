import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Private keys (`<shadow>-<pid>-<4>.key` under ~/.kt/key) of runs whose process is gone. */
export async function staleKeyFiles(keyDir: string, isAlive: (pid: number) => boolean = alive): Promise<string[]> {
  const names = await readdir(keyDir).catch(() => [] as string[]);
  return names
    .filter((n) => {
      const pid = /-(\d+)-[a-z]{4}\.key$/.exec(n)?.[1];
      return pid !== undefined && !isAlive(Number(pid));
    })
    .map((n) => join(keyDir, n));
}

/** Removes the given key files; returns how many went. */
export async function removeKeyFiles(files: readonly string[]): Promise<number> {
  await Promise.all(files.map((f) => rm(f, { force: true })));
  return files.length;
}
