import type { KernelRedirect, RedirectSpec } from '@ktctl/netplatform';
import { type CommandRunner, type Journal, type JournalEntry, mustRun, type Undoers } from '@ktctl/netplatform';
import { ErrorCode, UserError } from '@ktctl/plugin-api';
import { isIpv6Cidr } from '@ktctl/netplatform';
import {
  chainCreateCommands,
  DNS_CHAIN,
  type IptablesChainEntry,
  loopbackDnsRules,
  nftNatState,
  REDIRECT_CHAIN,
  redirectRules,
  removeChain,
} from './iptables.js';
import {
  DNS_TABLE,
  nftLoopbackDnsRules,
  nftRedirectRules,
  nftTableScript,
  type NftTableEntry,
  REDIRECT_TABLE,
  removeNftTable,
} from './nft.js';
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
  throw new UserError(ErrorCode.NoFirewallTool, 'sshuttle mode needs iptables or nft, and neither is installed', {
    hint: 'install iptables (or nftables), or use the default tun2socks mode',
  });
}

type Purpose = 'tcp' | 'dns';

/** The journal kind and chain/table name that a purpose's rules live in with a backend. */
function ownerOf(backend: RedirectBackend, purpose: Purpose): { kind: string; name: string } {
  if (backend === 'nft') return { kind: 'nft-table', name: purpose === 'tcp' ? REDIRECT_TABLE : DNS_TABLE };
  return { kind: 'iptables-chain', name: purpose === 'tcp' ? REDIRECT_CHAIN : DNS_CHAIN };
}

async function chainEntry(runner: CommandRunner, chain: string, forwarded: boolean): Promise<IptablesChainEntry> {
  const hooks = forwarded ? ['OUTPUT', 'PREROUTING'] : ['OUTPUT'];
  const before = await nftNatState(runner, 'nat');
  const created = before ? { createdHooks: hooks.filter((h) => !before.chains.includes(h)), createdTable: !before.table } : {};
  return { kind: 'iptables-chain', binary: 'iptables', table: 'nat', chain, hooks, ...created };
}

/**
 * Rules of a run whose journal is lost would make creation fail. One connect per machine, so they are
 * stale: removed (from both hooks), without journaling, before ours go in.
 */
async function removeLeftover(runner: CommandRunner, backend: RedirectBackend, name: string): Promise<void> {
  if (backend === 'nft') await removeNftTable(runner, { kind: 'nft-table', family: 'ip', name });
  else
    await removeChain(runner, { kind: 'iptables-chain', binary: 'iptables', table: 'nat', chain: name, hooks: ['OUTPUT', 'PREROUTING'] });
}

/** Kernel redirect with iptables or nft rules in ktctl's own chain/table, journaled before they exist. */
export function createKernelRedirect(runner: CommandRunner, journal: Journal, pinned: RedirectBackend | undefined): KernelRedirect {
  let chosen: RedirectBackend | undefined = pinned;
  const install = async (purpose: Purpose, iptablesRules: string[][], nftRules: string[], forwarded = false) => {
    const backend = (chosen ??= await detectRedirectBackend(runner));
    const owner = ownerOf(backend, purpose);
    // Installing again (new CIDRs) replaces what this session installed before.
    await journal.undoWhere((e) => e.kind === owner.kind && (e.chain ?? e.name) === owner.name);
    await removeLeftover(runner, backend, owner.name);
    if (backend === 'nft') {
      const entry: NftTableEntry = { kind: 'nft-table', family: 'ip', name: owner.name };
      const script = nftTableScript(owner.name, nftRules, forwarded);
      await journal.change(entry, () => mustRun(runner, 'nft', ['-f', '-'], { input: script }).then(() => undefined));
      return;
    }
    const entry = await chainEntry(runner, owner.name, forwarded);
    await journal.change(entry, async () => {
      for (const args of chainCreateCommands(entry, iptablesRules)) await mustRun(runner, 'iptables', args);
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
