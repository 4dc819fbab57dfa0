// The lossy/high-latency turns of the connect benchmark: `tc netem` on the laptop namespace's own link
// (its eth0, the veth to the host, which every byte to the API server crosses), never on a host or
// cluster interface. netem delays egress only, so a 20 ms delay is a 20 ms round trip.
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
