import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const temporary: string[] = [];
afterAll(() => temporary.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A temporary folder, removed when the test file is done. */
export function temporaryDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temporary.push(dir);
  return dir;
}

/** A fresh, empty ~/.kt for one test. */
export function freshKtHome(): string {
  return temporaryDir('ktctl-home-');
}

/** Runs a ktctl executable (`[node, bundle]` or `[binary]`) with a controlled environment. */
export function runWith(command: readonly string[], args: readonly string[], env: NodeJS.ProcessEnv, cwd?: string): Run {
  const result = spawnSync(command[0]!, [...command.slice(1), ...args], { env, cwd, encoding: 'utf8', timeout: 20_000 });
  if (result.error) throw result.error;
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
