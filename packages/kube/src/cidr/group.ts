import { parseCidr, parseIPv4, rangeToCidrs, subtract, union, type Ipv4Range as Range } from '@ktctl/netplatform';

/** What the cluster showed us and what the user asked for. */
export interface CidrInput {
  serviceIps: readonly string[];
  podIps: readonly string[];
  /** The API server's addresses: never routed into the tunnel (that would cut the tunnel itself). */
  apiServerIps: readonly string[];
  /** `--includeIps`: CIDRs or addresses added as they are. */
  includeIps?: readonly string[];
  /** `--excludeIps`: CIDRs or addresses removed from the result. */
  excludeIps?: readonly string[];
  /** `--disablePodIp`: pod ranges are left out. */
  disablePodIp?: boolean;
}

/**
 * Groups addresses per /16: a /16 whose addresses all sit in one /24 gives that /24, otherwise the /16.
 * Non-IPv4 addresses are skipped.
 */
export function groupAddresses(ips: readonly string[]): Range[] {
  const bySixteen = new Map<number, Set<number>>();
  for (const ip of ips) {
    const n = parseIPv4(ip);
    if (n === undefined) continue;
    const sixteen = Math.floor(n / 65536);
    const set = bySixteen.get(sixteen) ?? new Set<number>();
    set.add(Math.floor(n / 256));
    bySixteen.set(sixteen, set);
  }
  const out: Range[] = [];
  for (const [sixteen, twentyFours] of bySixteen) {
    if (twentyFours.size === 1) {
      const start = [...twentyFours][0]! * 256;
      out.push({ start, end: start + 255 });
    } else {
      out.push({ start: sixteen * 65536, end: sixteen * 65536 + 65535 });
    }
  }
  return out;
}

/** The CIDRs to route to the cluster, smallest set covering the ranges, sorted by address. */
export function clusterCidrs(input: CidrInput): string[] {
  const ranges = [...groupAddresses(input.serviceIps)];
  if (!input.disablePodIp) ranges.push(...groupAddresses(input.podIps));
  for (const text of input.includeIps ?? []) {
    const r = parseCidr(text);
    if (r) ranges.push(r);
  }
  const holes = [...(input.excludeIps ?? []), ...input.apiServerIps].map(parseCidr).filter((r): r is Range => r !== undefined);
  return subtract(union(ranges), holes).flatMap(rangeToCidrs);
}
