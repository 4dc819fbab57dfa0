import { BlockList, isIPv4 } from 'node:net';
import { cidrWithMask } from '@ktctl/netplatform';

/**
 * kt0's own address. 198.18.0.0/15 is reserved for benchmarking (RFC 2544, RFC 5735): never routed on the
 * internet and hardly ever used for pod or Service networks, so a /32 there cannot take a cluster address
 * away (and a /32 adds no connected route). Should the cluster's ranges cover it anyway, another is taken.
 */
const TUN_ADDRESS_CANDIDATES = ['198.18.0.1', '198.19.255.254', '198.18.255.254', '169.254.77.77'];

/** The first candidate address that no cluster range or excluded range covers. */
export function tunAddress(ranges: readonly string[]): string {
  const taken = new BlockList();
  for (const range of ranges) {
    const [address = '', bits] = range.split('/');
    if (!isIPv4(address)) continue;
    taken.addSubnet(address, bits === undefined ? 32 : Number(bits), 'ipv4');
  }
  const free = TUN_ADDRESS_CANDIDATES.find((candidate) => !taken.check(candidate, 'ipv4'));
  if (!free) throw new Error(`every address kept for the TUN device lies in the cluster ranges (${TUN_ADDRESS_CANDIDATES.join(', ')})`);
  return free;
}

/** The command a user would run to route a range through the device (whose address is `gateway`) themselves. */
export function routeCommand(os: NodeJS.Platform, cidr: string, device: string, gateway: string): string {
  if (os === 'darwin') return `sudo route -n add -net ${cidr} -interface ${device}`;
  if (os === 'win32') {
    const { network, mask } = cidrWithMask(cidr);
    return `route add ${network} mask ${mask} ${gateway}`;
  }
  return `sudo ip route add ${cidr} dev ${device}`;
}
