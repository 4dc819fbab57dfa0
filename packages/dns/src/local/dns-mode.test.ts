import { describe, expect, it } from 'vitest';
import { formatDnsMode, parseDnsMode } from './dns-mode.js';

function codeOf(text: string): string | undefined {
  try {
    parseDnsMode(text);
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

describe('parseDnsMode', () => {
  it('localDNS asks the cluster first, then the upstream', () => {
    expect(parseDnsMode('localDNS')).toEqual({ kind: 'localDNS', order: ['cluster', 'upstream'] });
  });

  it('localDNS:<order> sets the order explicitly', () => {
    expect(parseDnsMode('localDNS:upstream,cluster')).toEqual({ kind: 'localDNS', order: ['upstream', 'cluster'] });
    expect(parseDnsMode('localdns: Cluster , upstream')).toEqual({ kind: 'localDNS', order: ['cluster', 'upstream'] });
    expect(parseDnsMode('localDNS:cluster')).toEqual({ kind: 'localDNS', order: ['cluster'] });
  });

  it('podDNS and hosts', () => {
    expect(parseDnsMode('podDNS')).toEqual({ kind: 'podDNS' });
    expect(parseDnsMode('hosts')).toEqual({ kind: 'hosts', namespaces: [] });
    expect(parseDnsMode('hosts:team-a,team-b,team-a')).toEqual({ kind: 'hosts', namespaces: ['team-a', 'team-b'] });
  });

  it('rejects bad input with a usage error KT_INVALID_FLAG (exit code 2)', () => {
    expect(() => parseDnsMode('x')).toThrow(expect.objectContaining({ name: 'UsageError', code: 'KT_INVALID_FLAG', exitCode: 2 }));
    for (const bad of ['', 'dns', 'localDNS:', 'localDNS:cluster,cluster', 'localDNS:hosts', 'podDNS:x', 'hosts:', 'hosts:Team_A']) {
      expect(codeOf(bad), bad).toBe('KT_INVALID_FLAG');
    }
  });

  it('names the syntax in the hint', () => {
    expect(() => parseDnsMode('nope')).toThrow(/unknown mode 'nope'/);
    try {
      parseDnsMode('nope');
    } catch (error) {
      expect((error as { hint?: string }).hint).toContain('localDNS:upstream,cluster');
    }
  });

  it('formats back to a string it parses', () => {
    for (const text of ['localDNS:upstream,cluster', 'podDNS', 'hosts', 'hosts:a,b']) {
      expect(formatDnsMode(parseDnsMode(text))).toBe(text);
    }
  });
});
