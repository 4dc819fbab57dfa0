// The lossy/high-latency turns of the connect benchmark: `tc netem` on the laptop namespace's own link
// (its eth0, the veth to the host, which every byte to the API server crosses), never on a host or
// cluster interface. netem delays egress only, so a 20 ms delay is a 20 ms round trip.
import { execFileSync } from 'node:child_process';
import { release } from 'node:os';
import { inLaptop, type ClusterFacts } from './proc.js';

/** One link condition: its name in the tables, netem's arguments, and the bulk size that fits its speed. */
export interface LinkCondition {
  readonly name: string;
  readonly netem: readonly string[];
  readonly bulkBytes: number;
}

export const NETEM_CONDITIONS: readonly LinkCondition[] = [
  { name: '20 ms RTT', netem: ['delay', '20ms'], bulkBytes: 128 * 1024 * 1024 },
  // Loss caps each TCP connection near MSS / (RTT · √p) ≈ 1 MB/s: a small bulk keeps the turn bounded.
  { name: '20 ms RTT + 1 % loss', netem: ['delay', '20ms', 'loss', '1%'], bulkBytes: 16 * 1024 * 1024 },
];

const LINK = 'eth0';

/**
 * Fails at once, before the unshaped turns, when this kernel cannot shape a link: the probe adds a netem
 * qdisc to the loopback of a throwaway namespace, so nothing anyone else uses is touched. (Some VM
 * kernels ship without sch_netem and without modules to load it: then no shaped turn can run here.)
 */
export function requireNetem(): void {
  const probe = `kt-bench-netem-probe-${process.pid}`;
  execFileSync('ip', ['netns', 'add', probe], { stdio: 'ignore' });
  try {
    execFileSync('ip', ['netns', 'exec', probe, 'tc', 'qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'delay', '20ms'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      encoding: 'utf8',
    });
  } catch (error) {
    const why = ((error as { stderr?: string }).stderr ?? (error as Error).message).trim();
    throw new Error(
      `--netem: this kernel (${release()}) cannot add a netem qdisc (${why}); the shaped turns need sch_netem. Run them on a kernel that has it, or leave out --netem`,
    );
  } finally {
    execFileSync('ip', ['netns', 'del', probe], { stdio: 'ignore' });
  }
}

function clear(facts: ClusterFacts): void {
  try {
    inLaptop(facts, 'tc', ['qdisc', 'del', 'dev', LINK, 'root']);
  } catch {
    // no qdisc of ours: nothing to remove
  }
}

/** Runs `turn` with the condition applied to the laptop's link, and always removes it afterwards. */
export async function withCondition<T>(facts: ClusterFacts, condition: LinkCondition, turn: () => Promise<T>): Promise<T> {
  clear(facts);
  inLaptop(facts, 'tc', ['qdisc', 'add', 'dev', LINK, 'root', 'netem', ...condition.netem, 'limit', '100000']);
  try {
    return await turn();
  } finally {
    clear(facts);
  }
}
