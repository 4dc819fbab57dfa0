import { describe, expect, it } from 'vitest';
import { cidrProblem } from './flags.js';

describe('cidrProblem', () => {
  it('accepts IPs and CIDRs of both families', () => {
    for (const ok of ['10.0.0.0/8', '192.168.1.7', '0.0.0.0/0', 'fd00::/8', '::1']) expect(cidrProblem(ok), ok).toBeUndefined();
  });

  it('names what it refuses', () => {
    for (const bad of ['foo', '10.0.0.0/99', '10.0.0.0/', '10.0.0/8', 'fd00::/129', '10.0.0.0/8/1', ''])
      expect(cidrProblem(bad), bad).toMatch(/is not an IP or CIDR/);
    expect(cidrProblem('10.0.0.1', true)).toMatch(/is not a CIDR/);
  });
});
