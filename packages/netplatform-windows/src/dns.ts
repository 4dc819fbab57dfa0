import { isIP } from 'node:net';
import type { DnsConfigurator, DnsSettings } from '@ktctl/netplatform';
import { type CommandRunner, type Journal, type JournalEntry, type Undoers } from '@ktctl/netplatform';
import { netsh, output, powershell, psArray, psString } from './netsh.js';
import { GONE } from './routes.js';

/** Our nameservers on an interface (netsh); undo gives the interface back to DHCP. */
export interface InterfaceDnsEntry extends JournalEntry {
  readonly kind: 'netsh-dns';
  readonly device: string;
}

/** An NRPT rule sending a namespace to our nameservers; found again on undo by its comment. */
export interface NrptRuleEntry extends JournalEntry {
  readonly kind: 'nrpt-rule';
  readonly namespace: string;
  readonly comment: string;
}

/** The global DNS suffix search list ktctl replaced; undo sets the original again. */
export interface SuffixListEntry extends JournalEntry {
  readonly kind: 'dns-suffix-list';
  readonly original: readonly string[];
}

function checkAddress(nameserver: string): string {
  if (isIP(nameserver) === 0) {
    throw new Error(`Windows DNS settings take plain IP addresses (no port): ${JSON.stringify(nameserver)}`);
  }
  return nameserver;
}

function checkDomain(domain: string): string {
  const name = domain.replace(/^[~.]/, '').replace(/\.$/, '');
  if (!/^[A-Za-z0-9_]([A-Za-z0-9_-]*)(\.[A-Za-z0-9_-]+)*$/.test(name)) throw new Error(`not a DNS domain: ${JSON.stringify(domain)}`);
  return name;
}

/** `netsh interface ipv4 set|add dnsservers` for our nameservers on one interface, first one primary. */
export function dnsServerCommands(device: string, nameservers: readonly string[]): string[][] {
  return nameservers.map((ns, i) => {
    const family = isIP(ns) === 6 ? 'ipv6' : 'ipv4';
    return i === 0
      ? ['interface', family, 'set', 'dnsservers', `name=${device}`, 'static', ns, 'primary', 'validate=no']
      : ['interface', family, 'add', 'dnsservers', `name=${device}`, `address=${ns}`, `index=${i + 1}`, 'validate=no'];
  });
}

export function nrptAddScript(entry: NrptRuleEntry, nameservers: readonly string[]): string {
  return `Add-DnsClientNrptRule -Namespace ${psArray([entry.namespace])} -NameServers ${psArray(nameservers)} -Comment ${psString(entry.comment)}`;
}

export function nrptRemoveScript(entry: NrptRuleEntry): string {
  return (
    `Get-DnsClientNrptRule | Where-Object { $_.Comment -eq ${psString(entry.comment)} -and $_.Namespace -contains ${psString(entry.namespace)} } ` +
    '| Remove-DnsClientNrptRule -Force'
  );
}

/** Sets the global suffix search list; an empty one is written as `@('')`, which clears it. */
export function suffixListScript(list: readonly string[]): string {
  return `Set-DnsClientGlobalSetting -SuffixSearchList ${psArray(list.length > 0 ? list : [''])}`;
}

export const ORIGINAL_NAMESERVERS_SCRIPT =
  'Get-DnsClientServerAddress | Where-Object { $_.ServerAddresses } | ForEach-Object { $_.ServerAddresses }';
export const SUFFIX_LIST_SCRIPT = '(Get-DnsClientGlobalSetting).SuffixSearchList';
export const CONNECTION_SUFFIXES_SCRIPT =
  'Get-DnsClient | Where-Object { $_.ConnectionSpecificSuffix } | ForEach-Object { $_.ConnectionSpecificSuffix }';

const lines = (text: string) => [
  ...new Set(
    text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l !== ''),
  ),
];

async function flushDnsCache(runner: CommandRunner): Promise<void> {
  // Best effort: a cache that is not flushed only delays the change by its TTL.
  await runner('ipconfig', ['/flushdns']).catch(() => undefined);
}

/**
 * DNS on Windows: our nameservers on the given interface (netsh), an NRPT rule per route domain (split DNS
 * that needs no interface), and our search domains first in the global suffix search list. No ports:
 * Windows resolvers ask port 53.
 */
export function createWindowsDns(runner: CommandRunner, journal: Journal): DnsConfigurator {
  const comment = `ktctl-${process.pid}`;
  const suffixList = async () => lines(await powershell(runner, SUFFIX_LIST_SCRIPT));
  return {
    backend: async () => 'netsh',
    supportsPort: async () => false,
    // fec0:0:0:ffff::1..3 are the placeholders Windows lists on adapters that got no IPv6 DNS server.
    originalNameservers: async () =>
      lines(await powershell(runner, ORIGINAL_NAMESERVERS_SCRIPT)).filter((ns) => isIP(ns) !== 0 && !ns.toLowerCase().startsWith('fec0:')),
    originalSearchDomains: async () => [
      ...new Set([...(await suffixList()), ...lines(await powershell(runner, CONNECTION_SUFFIXES_SCRIPT))]),
    ],
    async apply(settings: DnsSettings) {
      const nameservers = settings.nameservers.map(checkAddress);
      const routeDomains = [...new Set((settings.routeDomains ?? []).map(checkDomain))];
      const search = (settings.searchDomains ?? []).map(checkDomain);
      // A second apply starts from the settings as they were, so the journal keeps the true originals.
      await journal.undoWhere((e) => e.kind === 'netsh-dns' || e.kind === 'nrpt-rule' || e.kind === 'dns-suffix-list');
      if (settings.device) {
        const entry: InterfaceDnsEntry = { kind: 'netsh-dns', device: settings.device };
        await journal.change(entry, async () => {
          for (const args of dnsServerCommands(settings.device!, nameservers)) await netsh(runner, args);
        });
      }
      for (const domain of routeDomains) {
        const entry: NrptRuleEntry = { kind: 'nrpt-rule', namespace: `.${domain}`, comment };
        await journal.change(entry, () => powershell(runner, nrptAddScript(entry, nameservers)).then(() => undefined));
      }
      if (search.length > 0) {
        const original = await suffixList();
        const entry: SuffixListEntry = { kind: 'dns-suffix-list', original };
        const list = [...new Set([...search, ...original])];
        await journal.change(entry, () => powershell(runner, suffixListScript(list)).then(() => undefined));
      }
      await flushDnsCache(runner);
    },
  };
}

export function dnsUndoers(runner: CommandRunner): Undoers {
  return {
    'netsh-dns': async (entry) => {
      const { device } = entry as InterfaceDnsEntry;
      const result = await runner('netsh', ['interface', 'ipv4', 'set', 'dnsservers', `name=${device}`, 'source=dhcp']);
      // Our own adapter is usually gone by now, and its settings with it.
      if (result.code !== 0 && !GONE.test(output(result))) throw new Error(`netsh set dnsservers ${device} failed: ${output(result)}`);
      await flushDnsCache(runner);
    },
    'nrpt-rule': async (entry) => {
      await powershell(runner, nrptRemoveScript(entry as NrptRuleEntry));
      await flushDnsCache(runner);
    },
    'dns-suffix-list': async (entry) => {
      await powershell(runner, suffixListScript((entry as SuffixListEntry).original));
    },
  };
}
