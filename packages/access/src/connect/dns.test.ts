import { describe, expect, it } from 'vitest';
import { localDnsPort } from './dns.js';

describe('localDnsPort', () => {
  it('binds any free port when the resolver takes a port or 127.0.0.1:53 can be redirected to it', () => {
    expect(localDnsPort(true, false)).toBe(0); // systemd-resolved, /etc/resolver files
    expect(localDnsPort(false, true)).toBe(0); // resolv.conf + iptables/pf redirect
  });

  it('binds 53 itself where neither is possible (Windows: netsh takes no port, no kernel redirect)', () => {
    expect(localDnsPort(false, false)).toBe(53);
  });
});
