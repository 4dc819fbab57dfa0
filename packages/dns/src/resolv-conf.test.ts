import { describe, expect, it } from 'vitest';
import { parseResolvConf } from './resolv-conf.js';

describe('parseResolvConf', () => {
  it('reads what a Kubernetes pod gets', () => {
    const text = 'search team-a.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n';
    expect(parseResolvConf(text)).toEqual({
      nameservers: ['10.96.0.10'],
      search: ['team-a.svc.cluster.local', 'svc.cluster.local', 'cluster.local'],
      ndots: 5,
    });
  });

  it('keeps nameserver order, skips comments and lets the last search line win', () => {
    const text = '# generated\nnameserver 10.0.0.1 ; first\nsearch old.example\nnameserver fd00::53\nsearch a b\n';
    expect(parseResolvConf(text)).toEqual({ nameservers: ['10.0.0.1', 'fd00::53'], search: ['a', 'b'] });
  });
});
