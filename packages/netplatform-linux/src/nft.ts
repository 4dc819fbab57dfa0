import type { RedirectSpec } from '@ktctl/netplatform';
import { type CommandRunner, type JournalEntry } from '@ktctl/netplatform';
import { normalizeCidr } from '@ktctl/netplatform';

/** A whole nftables table of ours; deleting it removes every rule it holds. */
export interface NftTableEntry extends JournalEntry {
  readonly kind: 'nft-table';
  readonly family: 'ip';
  readonly name: string;
}

export const REDIRECT_TABLE = 'ktctl';
export const DNS_TABLE = 'ktctl_dns';

/**
 * An `nft -f -` script: a table with a nat chain on the output hook (priority as iptables' nat OUTPUT),
 * and with `forwarded` the same rules on the prerouting hook.
 */
export function nftTableScript(name: string, rules: readonly string[], forwarded = false): string {
  const chain = (hook: string) => [
    `  chain ${hook} {`,
    `    type nat hook ${hook} priority -100; policy accept;`,
    ...rules.map((r) => `    ${r}`),
    '  }',
  ];
  return [`table ip ${name} {`, ...chain('output'), ...(forwarded ? chain('prerouting') : []), '}', ''].join('\n');
}

export function nftRedirectRules(spec: RedirectSpec): string[] {
  const set = (values: readonly string[]) => `{ ${values.map(normalizeCidr).join(', ')} }`;
  const rules: string[] = [];
  if (spec.excludes.length > 0) rules.push(`ip daddr ${set(spec.excludes)} return`);
  if (spec.cidrs.length > 0) rules.push(`ip daddr ${set(spec.cidrs)} meta l4proto tcp redirect to :${port(spec.toPort)}`);
  return rules;
}

export function nftLoopbackDnsRules(toPort: number): string[] {
  return ['udp', 'tcp'].map((proto) => `ip daddr 127.0.0.1 ${proto} dport 53 redirect to :${port(toPort)}`);
}

/** Deletes the table; one already gone is fine (idempotent). */
export async function removeNftTable(runner: CommandRunner, entry: NftTableEntry): Promise<void> {
  const result = await runner('nft', ['delete', 'table', entry.family, entry.name]);
  if (result.code !== 0 && !/No such file or directory|does not exist/i.test(result.stderr)) {
    throw new Error(`nft delete table ${entry.name} failed: ${result.stderr.trim()}`);
  }
}

function port(value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > 65535) throw new Error(`not a port: ${value}`);
  return value;
}
