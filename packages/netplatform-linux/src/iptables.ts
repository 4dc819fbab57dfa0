import type { RedirectSpec } from '@ktctl/netplatform';
import { type CommandRunner, type JournalEntry, mustRun } from '@ktctl/netplatform';
import { normalizeCidr } from '@ktctl/netplatform';

/** A chain of ours in a table, with the built-in chains that jump to it. */
export interface IptablesChainEntry extends JournalEntry {
  readonly kind: 'iptables-chain';
  readonly binary: string;
  readonly table: string;
  readonly chain: string;
  readonly hooks: readonly string[];
  /**
   * What iptables-nft created for us because it was not there: built-in chains made by hooking into them
   * and the table itself. Removed again on undo when empty, so the ruleset is as before, byte for byte.
   */
  readonly createdHooks?: readonly string[];
  readonly createdTable?: boolean;
}

/** Which of the table and its built-in chains exist now, seen through nft; undefined when nft cannot tell. */
export async function nftNatState(runner: CommandRunner, table: string): Promise<{ table: boolean; chains: string[] } | undefined> {
  const version = await runner('iptables', ['--version']).catch(() => undefined);
  if (!version || !version.stdout.includes('nf_tables')) return undefined;
  const listed = await runner('nft', ['list', 'table', 'ip', table]).catch(() => undefined);
  if (!listed) return undefined;
  if (listed.code !== 0) return /No such file or directory/.test(listed.stderr) ? { table: false, chains: [] } : undefined;
  return { table: true, chains: [...listed.stdout.matchAll(/^\s*chain (\S+) \{/gm)].map((m) => m[1]!) };
}

export const REDIRECT_CHAIN = 'KT_CONNECT';
export const DNS_CHAIN = 'KT_DNS';

/** The `-A <chain> ...` rules: excludes return first, then TCP to each CIDR is redirected to the port. */
export function redirectRules(spec: RedirectSpec, chain = REDIRECT_CHAIN): string[][] {
  checkPort(spec.toPort);
  const returns = spec.excludes.map((x) => ['-A', chain, '-d', normalizeCidr(x), '-j', 'RETURN']);
  const redirects = spec.cidrs.map((c) => [
    '-A',
    chain,
    '-d',
    normalizeCidr(c),
    '-p',
    'tcp',
    '-j',
    'REDIRECT',
    '--to-ports',
    String(spec.toPort),
  ]);
  return [...returns, ...redirects];
}

/** The rules that send DNS for 127.0.0.1:53 (UDP and TCP) to a local server on another port. */
export function loopbackDnsRules(toPort: number, chain = DNS_CHAIN): string[][] {
  checkPort(toPort);
  return ['udp', 'tcp'].map((proto) => [
    '-A',
    chain,
    '-d',
    '127.0.0.1/32',
    '-p',
    proto,
    '--dport',
    '53',
    '-j',
    'REDIRECT',
    '--to-ports',
    String(toPort),
  ]);
}

/** The commands that create the chain, fill it, and only then hook it in (so no half chain is ever live). */
export function chainCreateCommands(entry: IptablesChainEntry, rules: readonly string[][]): string[][] {
  const t = ['-w', '-t', entry.table];
  return [
    [...t, '-N', entry.chain],
    ...rules.map((r) => [...t, ...r]),
    ...entry.hooks.map((hook) => [...t, '-I', hook, '1', '-j', entry.chain]),
  ];
}

/** Jumps removed at most this many times per hook: enough for any run that hooked twice, and bounded. */
const MAX_JUMPS = 16;

/** Removes our jumps, flushes and deletes the chain; a chain already gone is fine (idempotent). */
export async function removeChain(runner: CommandRunner, entry: IptablesChainEntry): Promise<void> {
  const t = ['-w', '-t', entry.table];
  for (const hook of entry.hooks) {
    for (let i = 0; i < MAX_JUMPS; i++) {
      if ((await runner(entry.binary, [...t, '-D', hook, '-j', entry.chain])).code !== 0) break;
    }
  }
  if ((await runner(entry.binary, [...t, '-S', entry.chain])).code === 0) {
    await mustRun(runner, entry.binary, [...t, '-F', entry.chain]);
    await mustRun(runner, entry.binary, [...t, '-X', entry.chain]);
  }
  await removeCreatedIfEmpty(runner, entry);
}

/** Built-in chains and the table iptables-nft made for us go again, unless someone else put rules there. */
async function removeCreatedIfEmpty(runner: CommandRunner, entry: IptablesChainEntry): Promise<void> {
  const t = ['-w', '-t', entry.table];
  for (const hook of entry.createdHooks ?? []) {
    const rules = await runner(entry.binary, [...t, '-S', hook]);
    const onlyPolicy = rules.code === 0 && rules.stdout.split('\n').every((l) => l === '' || l.startsWith('-P '));
    if (onlyPolicy) await runner(entry.binary, [...t, '-X', hook]);
  }
  if (!entry.createdTable) return;
  const listed = await runner('nft', ['list', 'table', 'ip', entry.table]);
  if (listed.code === 0 && !/\bchain\b/.test(listed.stdout)) await runner('nft', ['delete', 'table', 'ip', entry.table]);
}

function checkPort(port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`not a port: ${port}`);
}
