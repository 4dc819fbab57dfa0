import { describe, expect, it } from 'vitest';
import { routeCommand, tunAddress } from './tun-address.js';

describe('tunAddress', () => {
  it('takes 198.18.0.1 unless a cluster or excluded range covers it', () => {
    expect(tunAddress(['10.96.0.0/16', '10.244.0.0/24', '10.201.0.1/32'])).toBe('198.18.0.1');
    expect(tunAddress(['198.18.0.0/24'])).toBe('198.19.255.254');
    expect(tunAddress(['198.18.0.0/15'])).toBe('169.254.77.77');
    expect(tunAddress(['fd00::/108', '198.18.0.1'])).toBe('198.19.255.254');
  });

  it('says so when every candidate is taken', () => {
    expect(() => tunAddress(['0.0.0.0/0'])).toThrow(/lies in the cluster ranges/);
  });
});

describe('routeCommand', () => {
  it('prints the route a user adds by hand with --disableTunRoute, per OS', () => {
    expect(routeCommand('linux', '10.96.0.0/16', 'kt0', '198.18.0.1')).toBe('sudo ip route add 10.96.0.0/16 dev kt0');
    expect(routeCommand('darwin', '10.96.0.0/16', 'utun4', '198.18.0.1')).toBe('sudo route -n add -net 10.96.0.0/16 -interface utun4');
    expect(routeCommand('win32', '10.244.1.0/24', 'kt0', '198.18.0.1')).toBe('route add 10.244.1.0 mask 255.255.255.0 198.18.0.1');
  });
});
