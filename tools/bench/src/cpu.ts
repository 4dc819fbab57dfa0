// Per-process CPU accounting for the benchmarks: every process a byte crosses on its way between the
// laptop and a pod (ktctl, the shadow agent, kube-apiserver, kubelet, containerd, kubectl port-forward),
// sampled from /proc before and after each measured transfer and charged to the way being measured.
import { readdirSync, readFileSync } from 'node:fs';
import type { Row } from '@ktctl/testkit';

/** The processes to watch, by name; a missing one (not running, or not this way's) is skipped. */
export type Watched = Record<string, number | undefined>;

/** CPU seconds (user + system) of a process, or NaN once it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** The first process whose command line contains every one of `words` (the cluster runs on this host). */
export function findPid(...words: string[]): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
    } catch {
      continue;
    }
    if (words.every((w) => cmdline.includes(w))) return Number(entry);
  }
  return undefined;
}

/** The cluster's own processes on a byte's path through a port-forward. */
export function clusterPids(): Watched {
  return { apiserver: findPid('kube apiserver'), kubelet: findPid('kube kubelet'), containerd: findPid('containerd --config') };
}

/** Accumulates CPU seconds and bytes per way, per process. */
export class CpuLedger {
  private readonly seconds = new Map<string, Map<string, number>>();
  private readonly bytes = new Map<string, number>();

  /** Runs `transfer` (which moves `bytes`) and charges each watched process's CPU to `way`. */
  charge<T>(way: string, bytes: number, watched: Watched, transfer: () => T): T {
    const pids = Object.entries(watched).filter((e): e is [string, number] => e[1] !== undefined);
    const before = pids.map(([, pid]) => cpuSeconds(pid));
    try {
      return transfer();
    } finally {
      const spent = this.seconds.get(way) ?? new Map<string, number>();
      pids.forEach(([name, pid], i) => spent.set(name, (spent.get(name) ?? 0) + (cpuSeconds(pid) - before[i]!)));
      this.seconds.set(way, spent);
      this.bytes.set(way, (this.bytes.get(way) ?? 0) + bytes);
    }
  }

  /** One row per way: CPU seconds per GB carried, for each process and in total. */
  rows(): Row[] {
    return [...this.seconds].map(([way, spent]) => {
      const gb = (this.bytes.get(way) ?? 0) / 1e9;
      const perProcess = Object.fromEntries([...spent].map(([name, s]) => [`${name} s/GB`, Number.isNaN(s) ? 'n/a' : round(s / gb)]));
      const total = [...spent.values()].filter((s) => !Number.isNaN(s)).reduce((a, b) => a + b, 0);
      return { name: way, ...perProcess, 'total s/GB': round(total / gb) };
    });
  }
}

const round = (n: number): number => Math.round(n * 100) / 100;
