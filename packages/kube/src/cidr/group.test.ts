import { describe, expect, it } from 'vitest';
import { clusterCidrs, groupAddresses } from './group.js';
import { parseCidr, rangeToCidrs } from '@ktctl/netplatform';

describe('ipv4 helpers', () => {
  it('parse CIDRs and cover ranges with the fewest blocks', () => {
    expect(parseCidr('10.1.2.3/16')).toEqual({ start: parseCidr('10.1.0.0')!.start, end: parseCidr('10.1.255.255')!.start });
    expect(parseCidr('fd00::/8')).toBeUndefined();
    expect(parseCidr('10.0.0.0/33')).toBeUndefined();
    expect(rangeToCidrs(parseCidr('10.0.0.0/15')!)).toEqual(['10.0.0.0/15']);
    expect(rangeToCidrs({ start: parseCidr('10.0.0.1')!.start, end: parseCidr('10.0.0.6')!.start })).toEqual([
      '10.0.0.1/32',
      '10.0.0.2/31',
      '10.0.0.4/31',
      '10.0.0.6/32',
    ]);
  });
});

describe('groupAddresses', () => {
  it('makes a /24 when one /24 holds them all, else the /16', () => {
    expect(groupAddresses(['10.244.0.5', '10.244.0.9']).flatMap(rangeToCidrs)).toEqual(['10.244.0.0/24']);
    expect(groupAddresses(['10.244.0.5', '10.244.1.9', '10.96.0.1', 'fd00::1', 'None']).flatMap(rangeToCidrs).sort()).toEqual([
      '10.244.0.0/16',
      '10.96.0.0/24',
    ]);
  });
});

describe('clusterCidrs', () => {
  const base = {
    serviceIps: ['10.96.0.1', '10.96.0.10', '10.96.12.4'],
    podIps: ['10.244.0.7', '10.244.0.8'],
    apiServerIps: ['192.168.1.10'],
  };

  it('covers services and pods', () => {
    expect(clusterCidrs(base)).toEqual(['10.96.0.0/16', '10.244.0.0/24']);
  });

  it('drops pod ranges with disablePodIp', () => {
    expect(clusterCidrs({ ...base, disablePodIp: true })).toEqual(['10.96.0.0/16']);
  });

  it('adds includeIps and removes excludeIps', () => {
    expect(clusterCidrs({ ...base, includeIps: ['172.16.0.0/12', '10.0.0.9'], excludeIps: ['10.96.128.0/17'] })).toEqual([
      '10.0.0.9/32',
      '10.96.0.0/17',
      '10.244.0.0/24',
      '172.16.0.0/12',
    ]);
  });

  it('never covers the API server address, even when asked to', () => {
    const cidrs = clusterCidrs({ ...base, apiServerIps: ['10.96.0.1'], includeIps: ['10.0.0.0/8'] });
    expect(cidrs).not.toContain('10.0.0.0/8');
    expect(cidrs).toContain('10.96.0.0/32');
    expect(cidrs).toContain('10.96.0.2/31');
    expect(cidrs).toContain('10.128.0.0/9');
    const n = (ip: string) => parseCidr(ip)!.start;
    const covered = cidrs.map((c) => parseCidr(c)!).some((r) => r.start <= n('10.96.0.1') && n('10.96.0.1') <= r.end);
    expect(covered).toBe(false);
  });
});
