// The chaos suites' machinery: seeded moments to stop a ktctl run at (start-up, running, teardown), the
// signal to stop it with (kill -9, SIGTERM, a double Ctrl-C), and the snapshots that must come back
// byte-identical afterwards — the laptop (resolver, hosts, routes, iptables/nft, TUN devices, ~/.kt minus
// logs) and the cluster (no control-by=kt object, every Service/Deployment as before).
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { run, waitFor, type Background, type Cluster, type Laptop } from '../../harness/index.js';
import { ktObjects, ktctl, laptopState } from '../connect/ktctl.js';

/** How a run is stopped: kill -9, SIGTERM, or Ctrl-C then Ctrl-C again (past the 3 s "same stop" window: the user insists). */
export type StopKind = 'SIGKILL' | 'SIGTERM' | 'SIGINT2';
export type Phase = 'startup' | 'running' | 'teardown';

export interface Trial {
  readonly seed: number;
  readonly phase: Phase;
  readonly stop: StopKind;
  /** Milliseconds after the phase began (spawn, ready line, first Ctrl-C). */
  readonly delayMs: number;
}

/**
 * The fixed seed list. Every sixth seed stops with SIGTERM, every sixth with a double Ctrl-C, the rest
 * with kill -9: 40 seeds give 26 kill -9 per command.
 */
export const SEEDS: readonly number[] = Array.from({ length: 40 }, (_, i) => 0x5eed_0000 + i * 7919);

/** mulberry32: a small seeded PRNG, so a seed names exactly one trial on every machine. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The trial a seed names; `startupMs` is how long the command's start-up usually takes (the window a start-up kill falls in). */
export function trialOf(seed: number, index: number, startupMs: number): Trial {
  const r = rng(seed);
  const phase = (['startup', 'running', 'teardown'] as const)[Math.floor(r() * 3)]!;
  const stop: StopKind = index % 6 === 4 ? 'SIGTERM' : index % 6 === 5 ? 'SIGINT2' : 'SIGKILL';
  const window = phase === 'startup' ? startupMs : phase === 'running' ? 3_000 : 2_000;
  return { seed, phase, stop, delayMs: Math.floor(r() * window) };
}

/**
 * Which seeds this run tries: all of them (or the first N, cycling) with KT_CHAOS_KILLS=N for a local
 * soak; else `perRun` consecutive ones starting at an offset that moves with the CI run number (or the
 * day), so successive CI runs walk the whole list.
 */
export function trialsForRun(startupMs: number, perRun = 3, env: NodeJS.ProcessEnv = process.env): Trial[] {
  const soak = Number(env.KT_CHAOS_KILLS);
  const count = Number.isInteger(soak) && soak > 0 ? soak : perRun;
  const runNumber = Number(env.KT_CHAOS_RUN ?? env.GITHUB_RUN_NUMBER ?? Math.floor(Date.now() / 86_400_000));
  const offset = Number.isInteger(soak) && soak > 0 ? 0 : (runNumber * perRun) % SEEDS.length;
  return Array.from({ length: count }, (_, k) => {
    const index = (offset + k) % SEEDS.length;
    // Past the list (a long soak), seeds keep coming from the same generator.
    const seed = offset + k < SEEDS.length ? SEEDS[index]! : 0x5eed_0000 + (offset + k) * 7919;
    return trialOf(seed, offset + k, startupMs);
  });
}

export const describeTrial = (t: Trial) => `seed ${t.seed.toString(16)}: ${t.stop} ${t.delayMs} ms into ${t.phase}`;

/** A file's content hash under a folder, logs left out (they are what a crash is allowed to leave). */
export function homeState(home: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string, rel: string) => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const key = rel ? `${rel}/${name}` : name;
      if (!rel && name === 'logs') continue;
      const st = lstatSync(path);
      // Folders are ktctl's layout (key/, journal/, pid/ appear on first use); what they hold is compared.
      if (st.isDirectory()) walk(path, key);
      else out[key] = `${(st.mode & 0o7777).toString(8)} ${createHash('sha256').update(readFileSync(path)).digest('hex')}`;
    }
  };
  walk(home, '');
  return out;
}

/** ktctl processes running in the laptop namespace (other test files' or other users'), by pid. */
export async function ktctlsInLaptop(laptop: Laptop): Promise<number[]> {
  const r = await run('ip', ['netns', 'pids', laptop.cluster.facts.laptopNetns]);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map(Number)
    .filter((pid) => {
      try {
        return basename(readlinkSync(`/proc/${pid}/exe`)) === 'ktctl';
      } catch {
        return false;
      }
    });
}

/** Everything on the laptop that must come back: laptopState plus TUN devices and the run's ~/.kt. */
export async function fullLaptopState(laptop: Laptop, home: string): Promise<Record<string, unknown>> {
  const tun = await laptop.run('ip', ['-o', 'link', 'show', 'type', 'tun']);
  const state = await laptopState(laptop);
  // Packet counters move with any traffic (the namespace is shared); the rules are what must come back.
  for (const k of ['nft', 'iptables'])
    state[k] = state[k]!.replace(/counter packets \d+ bytes \d+/g, 'counter').replace(/\[\d+:\d+\]/g, '[0:0]');
  return {
    ...state,
    tun: tun.stdout
      .split('\n')
      .map((l) => l.split(':')[1]?.trim())
      .filter(Boolean),
    ktHome: homeState(home),
  };
}

/** Every Service and Deployment of a namespace, minus what the API server rewrites on its own. */
export async function clusterState(cluster: Cluster, ns: string): Promise<Record<string, unknown>> {
  const list = await cluster.getJson(['-n', ns, 'services,deployments']);
  const out: Record<string, unknown> = {};
  for (const item of list.items as any[]) {
    const { resourceVersion, managedFields, generation, ...metadata } = item.metadata;
    (void resourceVersion, managedFields, generation);
    const annotations = { ...(metadata.annotations ?? {}) };
    if (item.kind === 'Deployment') delete annotations['deployment.kubernetes.io/revision'];
    out[`${item.kind}/${metadata.name}`] = { metadata: { ...metadata, annotations }, spec: item.spec };
  }
  return out;
}

/** A command under test: how to start it, when it is up, and what repairs a crash of it. */
export interface Subject {
  readonly name: string;
  /** Spawns the run (not waiting for anything). */
  spawn(): Background;
  readonly ready: RegExp;
  /** `ktctl clean` in the file's namespace, and `recover <svc>` for a redirect. */
  repair(): Promise<string>;
}

export interface TrialResult {
  trial: Trial;
  /** What differed from the snapshots after the repair (goal: nothing). */
  leftovers: string[];
  /** What the run left before any repair, after SIGTERM or a double Ctrl-C (goal: nothing). */
  leftByGraceful: string[];
  exitedMs: number;
  /** Another ktctl started or ended in the laptop namespace during the trial. */
  interfered: boolean;
}

function differences(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys]
    .filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]))
    .map((k) => `${k}: ${JSON.stringify(before[k])?.slice(0, 400)} → ${JSON.stringify(after[k])?.slice(0, 400)}`);
}

/** True once the run has exited, false if it is still running after `timeoutMs`. */
async function exited(run: Background, timeoutMs: number): Promise<boolean> {
  return run.waitForOutput(/(?!)/, timeoutMs).then(
    () => true,
    (err: Error) => !/no .* within/.test(err.message),
  );
}

/** What ktctl made in the namespace, once its deletions had a bounded moment to finish. */
async function settledKtObjects(cluster: Cluster, ns: string): Promise<string[]> {
  let left: string[] = [];
  await waitFor(async () => (left = await ktObjects(cluster, ns)).length === 0, { timeoutMs: 40_000, what: 'ktctl objects to go' }).catch(
    () => undefined,
  );
  return left;
}

/**
 * One trial: start, stop at the seeded moment with the seeded signal, wait for the exit (bounded), check
 * what a graceful stop left, repair, and compare everything with the snapshots taken before.
 */
export async function runTrial(
  subject: Subject,
  trial: Trial,
  ctx: { cluster: Cluster; laptop: Laptop; ns: string; home: string },
): Promise<TrialResult> {
  const { cluster, laptop, ns, home } = ctx;
  const othersBefore = (await ktctlsInLaptop(laptop)).join(',');
  const laptopBefore = await fullLaptopState(laptop, home);
  const clusterBefore = await clusterState(cluster, ns);
  const run = subject.spawn();
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(run.pid, s);
    } catch {
      // it ended by itself
    }
  };
  try {
    if (trial.phase === 'startup') await sleep(trial.delayMs);
    else {
      await run.waitForOutput(subject.ready, 150_000);
      if (trial.phase === 'teardown') signal('SIGINT');
      await sleep(trial.delayMs);
    }
    if (trial.stop === 'SIGKILL') signal('SIGKILL');
    else if (trial.stop === 'SIGTERM') signal('SIGTERM');
    else {
      if (trial.phase !== 'teardown') signal('SIGINT');
      await sleep(3_200 - (trial.phase === 'teardown' ? trial.delayMs : 0));
      signal('SIGINT');
    }
    const t0 = Date.now();
    if (!(await exited(run, 60_000))) signal('SIGKILL');
    const exitedMs = Date.now() - t0;
    await run.stop();
    const leftByGraceful: string[] = [];
    if (trial.stop !== 'SIGKILL') {
      leftByGraceful.push(...(await settledKtObjects(cluster, ns)).map((o) => `cluster: ${o}`));
      leftByGraceful.push(...differences(laptopBefore, await fullLaptopState(laptop, home)).map((d) => `laptop: ${d}`));
      leftByGraceful.push(...differences(clusterBefore, await clusterState(cluster, ns)).map((d) => `cluster: ${d}`));
    }
    const repairLog = await subject.repair();
    const leftovers = [
      ...(await settledKtObjects(cluster, ns)).map((o) => `cluster: ${o}`),
      ...differences(laptopBefore, await fullLaptopState(laptop, home)).map((d) => `laptop: ${d}`),
      ...differences(clusterBefore, await clusterState(cluster, ns)).map((d) => `cluster: ${d}`),
    ];
    if (leftovers.length || leftByGraceful.length) leftovers.push(`(ktctl said: ${run.output().slice(-1500)})`, `(repair: ${repairLog})`);
    // Another ktctl that started or ended in the shared laptop namespace meanwhile explains a laptop diff.
    const interfered = (await ktctlsInLaptop(laptop)).join(',') !== othersBefore;
    return { trial, leftovers, leftByGraceful, exitedMs, interfered };
  } finally {
    await run.stop(1_000);
  }
}

/** `ktctl clean` with a zero threshold (the file's own namespace holds only this file's runs), then `recover` for a redirect. */
export async function cleanAndRecover(
  laptop: Laptop,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  ns: string,
  recover?: string,
): Promise<string> {
  const clean = await ktctl(laptop, ['clean', ...args, '-n', ns, '--thresholdInMinus', '0'], env);
  let log = `clean(${clean.code}): ${clean.stderr.trim()}`;
  if (recover) {
    const r = await ktctl(laptop, ['recover', ...args, '-n', ns, recover], env);
    log += ` | recover(${r.code}): ${r.stderr.trim()}`;
  }
  return log;
}

/**
 * A trial, tried again (at most twice more) when its laptop diff may be another ktctl's doing: the
 * laptop namespace is shared with whatever else runs there (CI runs one file at a time; a developer's
 * machine may not).
 */
export async function runTrialAlone(subject: Subject, trial: Trial, ctx: Parameters<typeof runTrial>[2]): Promise<TrialResult> {
  let result = await runTrial(subject, trial, ctx);
  for (let i = 0; i < 2 && result.interfered && (result.leftovers.length || result.leftByGraceful.length); i++) {
    console.log(`chaos ${subject.name} ${describeTrial(trial)}: another ktctl came or went meanwhile; trying again`);
    result = await runTrial(subject, trial, ctx);
  }
  console.log(
    `chaos ${subject.name} ${describeTrial(trial)}: exited ${result.exitedMs} ms after the signal, leftovers ${result.leftovers.length}, left by a graceful stop ${result.leftByGraceful.length}`,
  );
  return result;
}
