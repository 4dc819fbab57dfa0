import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Facts of the local test cluster (tools/cluster writes them). */
export interface ClusterFacts {
  laptopNetns: string;
  testNamespace: string;
  adminKubeconfig: string;
  kubectl: string;
}

export function clusterFacts(repoDir: string): ClusterFacts {
  return JSON.parse(readFileSync(join(repoDir, '.cache/cluster/cluster.json'), 'utf8')) as ClusterFacts;
}

/** Runs a command to completion (bounded) and returns its stdout; throws on failure. */
export function sh(cmd: string, args: readonly string[], timeoutMs = 300_000): string {
  return execFileSync(cmd, args, { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The same inside the laptop network namespace. */
export function inLaptop(facts: ClusterFacts, cmd: string, args: readonly string[], timeoutMs?: number): string {
  return sh('ip', ['netns', 'exec', facts.laptopNetns, cmd, ...args], timeoutMs);
}

/** A background process in the laptop namespace, with its output collected. */
export function startInLaptop(
  facts: ClusterFacts,
  cmd: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): { child: ChildProcess; output: () => string } {
  const child = spawn(
    'ip',
    ['netns', 'exec', facts.laptopNetns, 'env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), cmd, ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return { child, output: () => out };
}

/** Waits (bounded) until a process printed a line matching `re`. */
export async function waitForOutput(output: () => string, re: RegExp, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!re.test(output())) {
    if (Date.now() > deadline) throw new Error(`no ${re} within ${timeoutMs} ms:\n${output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Stops a process with SIGTERM (SIGKILL after 20 s) and waits for it. */
export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

/** Resident memory (MiB) and CPU seconds of a process, from /proc. */
export function footprint(pid: number): { rssMiB: number; cpuSeconds: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { rssMiB: rssKiB / 1024, cpuSeconds: ticks / 100 };
}
