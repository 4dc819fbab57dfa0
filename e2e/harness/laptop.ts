import type { SpawnOptions } from 'node:child_process';
import type { Cluster, Identity } from './cluster.js';
import { run, startBackground, type Background, type RunOptions, type RunResult } from './exec.js';

/**
 * The "developer's laptop": the ktlaptop network namespace, which reaches the API server and nothing
 * else of the cluster. ktctl runs here in the e2e tests. Needs root (ip netns exec).
 */
export class Laptop {
  constructor(readonly cluster: Cluster) {}

  /** `ip netns exec <laptop> cmd args...` as a command line. */
  argv(cmd: string, args: readonly string[]): [string, string[]] {
    return ['ip', ['netns', 'exec', this.cluster.facts.laptopNetns, cmd, ...args]];
  }

  /** Runs a command inside the laptop namespace to completion (bounded); never throws for a non-zero exit. */
  run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    const [c, a] = this.argv(cmd, args);
    return run(c, a, opts);
  }

  /** Starts a long-running command inside the laptop namespace; stop it in the test's teardown. */
  start(cmd: string, args: readonly string[], opts: SpawnOptions = {}): Background {
    const [c, a] = this.argv(cmd, args);
    return startBackground(c, a, opts);
  }

  /** Runs kubectl inside the laptop namespace with an identity. */
  kubectl(args: readonly string[], opts: RunOptions & { as?: Identity } = {}): Promise<RunResult> {
    return this.run(this.cluster.facts.kubectl, this.cluster.kubectlArgs(args, opts.as), opts);
  }

  /** True when a TCP connection from the laptop to host:port opens within `timeoutSec`. */
  async canConnect(host: string, port: number, timeoutSec = 3): Promise<boolean> {
    const r = await this.run('timeout', [String(timeoutSec), 'bash', '-c', `exec 3<>/dev/tcp/${host}/${port}`], {
      timeoutMs: (timeoutSec + 5) * 1000,
    });
    return r.code === 0;
  }

  /** Fetches a URL from inside the laptop with curl (bounded); the result carries curl's exit code. */
  curl(url: string, extra: readonly string[] = [], timeoutSec = 5): Promise<RunResult> {
    return this.run('curl', ['-sS', '--max-time', String(timeoutSec), ...extra, url], { timeoutMs: (timeoutSec + 5) * 1000 });
  }
}
