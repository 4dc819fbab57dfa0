import { isIP } from 'node:net';

/** `10.96.0.0/16` as is; a bare address becomes /32 (or /128). Throws on anything else. */
export function normalizeCidr(value: string): string {
  const [address, prefix, ...rest] = value.trim().split('/');
  const family = isIP(address ?? '');
  if (family === 0 || rest.length > 0) throw new Error(`not an IP address or CIDR: ${JSON.stringify(value)}`);
  const max = family === 4 ? 32 : 128;
  if (prefix === undefined) return `${address}/${max}`;
  if (!/^\d+$/.test(prefix) || Number(prefix) > max) throw new Error(`not a CIDR prefix length: ${JSON.stringify(value)}`);
  return `${address}/${Number(prefix)}`;
}

export function isIpv6Cidr(cidr: string): boolean {
  return cidr.includes(':');
}

/** The default route (or one as wide) is never ours to touch. */
export function isDefaultRoute(cidr: string): boolean {
  return cidr === 'default' || cidr.endsWith('/0');
}

/** The IPv4 netmask of a prefix length: 16 → 255.255.0.0. */
export function netmask(prefix: number): string {
  const bits = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return [24, 16, 8, 0].map((shift) => (bits >>> shift) & 0xff).join('.');
}
