/**
 * IPv4 ranges as [start, end] of unsigned 32-bit numbers, and the CIDR arithmetic routes need: the one home
 * of this math for cluster range discovery (kube), the TUN address choice (connect) and every OS adapter.
 */
import { netmask } from './cidr.js';

export interface Ipv4Range {
  start: number;
  end: number;
}

/** `10.1.2.3` → number, or undefined for anything that is not dotted-quad IPv4. */
export function parseIPv4(text: string): number | undefined {
  const parts = text.trim().split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

export function formatIPv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** `10.0.0.0/16` or a bare address (a /32) → range; undefined when not IPv4. */
export function parseCidr(text: string): Ipv4Range | undefined {
  const [addr, bitsText] = text.trim().split('/');
  const ip = parseIPv4(addr ?? '');
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  if (ip === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) return undefined;
  const size = 2 ** (32 - bits);
  const start = Math.floor(ip / size) * size;
  return { start, end: start + size - 1 };
}

/** Covers a range with the fewest CIDRs (largest aligned blocks first). */
export function rangeToCidrs(range: Ipv4Range): string[] {
  const out: string[] = [];
  let start = range.start;
  while (start <= range.end) {
    let bits = 32;
    while (bits > 0) {
      const size = 2 ** (32 - bits + 1);
      if (start % size !== 0 || start + size - 1 > range.end) break;
      bits--;
    }
    out.push(`${formatIPv4(start)}/${bits}`);
    start += 2 ** (32 - bits);
  }
  return out;
}

/** Sorted, merged union of ranges. */
export function union(ranges: readonly Ipv4Range[]): Ipv4Range[] {
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  const out: Ipv4Range[] = [];
  for (const r of sorted) {
    const last = out.at(-1);
    if (last && r.start <= last.end + 1) last.end = Math.max(last.end, r.end);
    else out.push({ ...r });
  }
  return out;
}

/** `ranges` minus every range of `holes`. */
export function subtract(ranges: readonly Ipv4Range[], holes: readonly Ipv4Range[]): Ipv4Range[] {
  let current = union(ranges);
  for (const hole of holes) {
    const next: Ipv4Range[] = [];
    for (const r of current) {
      if (hole.end < r.start || hole.start > r.end) next.push(r);
      else {
        if (hole.start > r.start) next.push({ start: r.start, end: hole.start - 1 });
        if (hole.end < r.end) next.push({ start: hole.end + 1, end: r.end });
      }
    }
    current = next;
  }
  return current;
}

/** `10.96.0.0/16` → `10.96.0.0 mask 255.255.0.0`, the form Windows' `route` and `netsh` take. */
export function cidrWithMask(cidr: string): { network: string; mask: string } {
  const [network = cidr, bits = '32'] = cidr.split('/');
  return { network, mask: netmask(Number(bits)) };
}
