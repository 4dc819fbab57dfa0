import { describe, expect, it } from 'vitest';
import { isDefaultRoute, isIpv6Cidr, netmask, normalizeCidr } from './cidr.js';
import { cidrWithMask } from './ipv4-ranges.js';

describe('CIDR helpers shared by every OS implementation', () => {
  it('normalizes addresses and prefixes, refusing anything else', () => {
    expect(normalizeCidr('10.96.0.0/16')).toBe('10.96.0.0/16');
    expect(normalizeCidr(' 10.96.0.10 ')).toBe('10.96.0.10/32');
    expect(normalizeCidr('fd00::1')).toBe('fd00::1/128');
    expect(normalizeCidr('10.0.0.0/08')).toBe('10.0.0.0/8');
    expect(() => normalizeCidr('10.0.0.0/33')).toThrow('not a CIDR prefix length');
    expect(() => normalizeCidr('web.dev')).toThrow('not an IP address or CIDR');
  });

  it('knows default routes, IPv6 and netmasks', () => {
    expect(isDefaultRoute('0.0.0.0/0')).toBe(true);
    expect(isDefaultRoute('::/0')).toBe(true);
    expect(isDefaultRoute('10.0.0.0/8')).toBe(false);
    expect(isIpv6Cidr('fd00::/108')).toBe(true);
    expect(netmask(16)).toBe('255.255.0.0');
    expect(netmask(12)).toBe('255.240.0.0');
    expect(netmask(32)).toBe('255.255.255.255');
    expect(netmask(0)).toBe('0.0.0.0');
    expect(netmask(32)).toBe('255.255.255.255');
  });

  it('writes a CIDR as network and mask, as Windows takes it', () => {
    expect(cidrWithMask('10.96.0.0/12')).toEqual({ network: '10.96.0.0', mask: '255.240.0.0' });
    expect(cidrWithMask('10.96.0.10')).toEqual({ network: '10.96.0.10', mask: '255.255.255.255' });
  });
});
