import { readFileSync } from 'node:fs';
import { Journal, recordingRunner } from '@ktctl/netplatform';
import { tempDir } from '@ktctl/netplatform/testing';
import { describe, expect, it } from 'vitest';
import {
  CONNECTION_SUFFIXES_SCRIPT,
  createWindowsDns,
  dnsServerCommands,
  dnsUndoers,
  ORIGINAL_NAMESERVERS_SCRIPT,
  SUFFIX_LIST_SCRIPT,
} from './dns.js';

const PS = 'powershell -NoProfile -NonInteractive -Command';
const comment = `ktctl-${process.pid}`;

function setup() {
  const atFirstChange: string[] = [];
  const runner = recordingRunner((command, args) => {
    const script = args[3];
    if (command === 'netsh' && atFirstChange.length === 0) atFirstChange.push(readFileSync(journal.path, 'utf8'));
    if (script === SUFFIX_LIST_SCRIPT) return { stdout: 'corp.example\r\n' };
    if (script === ORIGINAL_NAMESERVERS_SCRIPT) return { stdout: '192.168.1.1\r\nfe80::1\r\n192.168.1.1\r\nfec0:0:0:ffff::1\r\n' };
    if (script === CONNECTION_SUFFIXES_SCRIPT) return { stdout: 'lan\r\n' };
    return undefined;
  });
  const journal = Journal.create(tempDir('kt-wdns-'), { pid: 1, command: 'connect' }, dnsUndoers(runner));
  return { runner, journal, atFirstChange, dns: createWindowsDns(runner, journal) };
}

describe('Windows DNS', () => {
  it('netsh, no ports; originals from the DNS client', async () => {
    const { dns, runner } = setup();
    expect(await dns.backend()).toBe('netsh');
    expect(await dns.supportsPort()).toBe(false);
    expect(await dns.originalNameservers()).toEqual(['192.168.1.1', 'fe80::1']);
    expect(await dns.originalSearchDomains()).toEqual(['corp.example', 'lan']);
    expect(runner.calls.map((c) => c.args[3])).toEqual([ORIGINAL_NAMESERVERS_SCRIPT, SUFFIX_LIST_SCRIPT, CONNECTION_SUFFIXES_SCRIPT]);
  });

  it('sets the interface servers, an NRPT rule per route domain and the suffix list, journaled first; undo in reverse', async () => {
    const { dns, runner, journal, atFirstChange } = setup();
    await dns.apply({
      nameservers: ['10.255.0.2', '10.255.0.3'],
      device: 'kt0',
      routeDomains: ['cluster.local'],
      searchDomains: ['dev.svc.cluster.local'],
    });
    expect(runner.lines()).toEqual([
      'netsh interface ipv4 set dnsservers name=kt0 static 10.255.0.2 primary validate=no',
      'netsh interface ipv4 add dnsservers name=kt0 address=10.255.0.3 index=2 validate=no',
      `${PS} Add-DnsClientNrptRule -Namespace @('.cluster.local') -NameServers @('10.255.0.2','10.255.0.3') -Comment '${comment}'`,
      `${PS} ${SUFFIX_LIST_SCRIPT}`,
      `${PS} Set-DnsClientGlobalSetting -SuffixSearchList @('dev.svc.cluster.local','corp.example')`,
      'ipconfig /flushdns',
    ]);
    expect(JSON.parse(atFirstChange[0]!).entries).toEqual([{ seq: 1, state: 'applying', entry: { kind: 'netsh-dns', device: 'kt0' } }]);
    expect(journal.pending()).toEqual([
      { kind: 'netsh-dns', device: 'kt0' },
      { kind: 'nrpt-rule', namespace: '.cluster.local', comment },
      { kind: 'dns-suffix-list', original: ['corp.example'] },
    ]);
    runner.calls.length = 0;
    expect(await journal.undoAll()).toEqual([]);
    expect(runner.lines()).toEqual([
      `${PS} Set-DnsClientGlobalSetting -SuffixSearchList @('corp.example')`,
      `${PS} Get-DnsClientNrptRule | Where-Object { $_.Comment -eq '${comment}' -and $_.Namespace -contains '.cluster.local' } | Remove-DnsClientNrptRule -Force`,
      'ipconfig /flushdns',
      'netsh interface ipv4 set dnsservers name=kt0 source=dhcp',
      'ipconfig /flushdns',
    ]);
  });

  it('refuses a nameserver with a port and a domain that is not one, before changing anything', async () => {
    const { dns, runner, journal } = setup();
    await expect(dns.apply({ nameservers: ['127.0.0.1:5353'], routeDomains: ['cluster.local'] })).rejects.toThrow(/no port/);
    await expect(dns.apply({ nameservers: ['127.0.0.1'], device: 'kt0', routeDomains: ["x'; Remove-Item C:\\"] })).rejects.toThrow(
      /not a DNS domain/,
    );
    expect(runner.calls).toEqual([]);
    expect(journal.pending()).toEqual([]);
  });

  it('an IPv6 server goes to netsh ipv6', () => {
    expect(dnsServerCommands('kt0', ['fd00::53'])).toEqual([
      ['interface', 'ipv6', 'set', 'dnsservers', 'name=kt0', 'static', 'fd00::53', 'primary', 'validate=no'],
    ]);
  });
});
