import type { KernelRedirect, RedirectSpec } from '@ktctl/netplatform';
import { type CommandRunner, type Journal, type JournalEntry, mustRun, type Undoers } from '@ktctl/netplatform';
import { UserError } from '@ktctl/plugin-api';
import { isIpv6Cidr } from './cidr.js';
import {
  chainCreateCommands,
  DNS_CHAIN,
  type IptablesChainEntry,
  loopbackDnsRules,
  REDIRECT_CHAIN,
  redirectRules,
  removeChain,
} from './iptables.js';
import { DNS_TABLE, nftLoopbackDnsRules, nftRedirectRules, nftTableScript, type NftTableEntry, REDIRECT_TABLE, removeNftTable } from './nft.js';
import { originalDestination } from './original-dst.js';

export type RedirectBackend = 'iptables' | 'nft';

/** iptables where it exists (legacy or its nft backend), else nft itself. */
export async function detectRedirectBackend(runner: CommandRunner): Promise<RedirectBackend> {
  for (const backend of ['iptables', 'nft'] as const) {
    const found = await runner(backend, ['--version']).then(
      (r) => r.code === 0,
      () => false,
    );
    if (found) return backend;
  }
  throw new UserError('KT_NO_FIREWALL_TOOL', 'sshuttle mode needs iptables or nft, and neither is installed', {
    hint: 'install iptables (or nftables), or use the default tun2socks mode',
  });
}

type Purpose = 'tcp' | 'dns';

function chainEntry(purpose: Purpose, forwarded: boolean): IptablesChainEntry {
  const chain = purpose === 'tcp' ? REDIRECT_CHAIN : DNS_CHAIN;
  return { kind: 'iptables-chain', binary: 'iptables', table: 'nat', chain, hooks: forwarded ? ['OUTPUT', 'PREROUTING'] : ['OUTPUT'] };
}

function tableEntry(purpose: Purpose): NftTableEntry {
  return { kind: 'nft-table', family: 'ip', name: purpose === 'tcp' ? REDIRECT_TABLE : DNS_TABLE };
}

/** Kernel redirect with iptables or nft rules in ktctl's own chain/table, journaled before they exist. */
export function createKernelRedirect(
  runner: CommandRunner,
  journal: Journal,
  pinned: RedirectBackend | undefined,
): KernelRedirect {
  let chosen: RedirectBackend | undefined = pinned;
  const install = async (purpose: Purpose, iptablesRules: string[][], nftRules: string[], forwarded = false) => {
    const backend = (chosen ??= await detectRedirectBackend(runner));
    const entry: JournalEntry = backend === 'iptables' ? chainEntry(purpose, forwarded) : tableEntry(purpose);
    // Installing again (new CIDRs) replaces what this session installed before.
    await journal.undoWhere((e) => e.kind === entry.kind && (e.chain ?? e.name) === (entry.chain ?? entry.name));
    // Leftovers of a run whose journal is lost would make creation fail: one connect per machine, so they are stale.
    await undoers(runner)[entry.kind]!(entry);
    await journal.change(entry, async () => {
      if (backend === 'nft') {
        const script = nftTableScript((entry as NftTableEntry).name, nftRules, forwarded);
        await mustRun(runner, 'nft', ['-f', '-'], { input: script });
        return;
      }
      for (const args of chainCreateCommands(entry as IptablesChainEntry, iptablesRules)) await mustRun(runner, 'iptables', args);
    });
  };
  return {
    get backend() {
      return chosen ?? 'auto';
    },
    async redirectTcp(spec: RedirectSpec) {
      const v6 = [...spec.cidrs, ...spec.excludes].find(isIpv6Cidr);
      if (v6) {
        throw new UserError('KT_IPV6_UNSUPPORTED', `sshuttle mode redirects IPv4 only (got ${v6})`, {
          hint: 'use the tun2socks mode for IPv6 cluster ranges',
        });
      }
      await install('tcp', redirectRules(spec), nftRedirectRules(spec), spec.includeForwarded ?? false);
    },
    async redirectLoopbackDns(toPort: number) {
      await install('dns', loopbackDnsRules(toPort), nftLoopbackDnsRules(toPort));
    },
    originalDestination,
  };
}

function undoers(runner: CommandRunner): Undoers {
  return {
    'iptables-chain': (entry) => removeChain(runner, entry as IptablesChainEntry),
    'nft-table': (entry) => removeNftTable(runner, entry as NftTableEntry),
  };
}

export { undoers as redirectUndoers };
