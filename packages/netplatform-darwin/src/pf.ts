import type { KernelRedirect, RedirectSpec } from '@ktctl/netplatform';
import { type CommandRunner, type Journal, type JournalEntry, mustRun, type Undoers } from '@ktctl/netplatform';
import { ErrorCode, UserError } from '@ktctl/plugin-api';
import { isIpv6Cidr, normalizeCidr } from '@ktctl/netplatform';
import type { Libc } from './libc.js';
import { pfOriginalDestination } from './natlook.js';

/**
 * ktctl's rules live in anchors under `com.apple/`: macOS's stock /etc/pf.conf (loaded at boot) evaluates
 * `rdr-anchor "com.apple/*"` and `anchor "com.apple/*"`, so our rules take effect without rewriting the
 * main ruleset (which sshuttle replaces, losing whatever the user had loaded).
 */
export const TCP_ANCHOR = 'com.apple/ktctl';
export const DNS_ANCHOR = 'com.apple/ktctl-dns';

/** Rules loaded into one of our anchors; undo flushes the anchor. */
export interface PfAnchorEntry extends JournalEntry {
  readonly kind: 'pf-anchor';
  readonly anchor: string;
}

/** pf enabled with a reference (`pfctl -E`); undo releases that reference (`pfctl -X <token>`) only. */
export interface PfEnabledEntry extends JournalEntry {
  readonly kind: 'pf-enabled';
  /** Known once pfctl -E answered (the journal keeps this object and writes it as applied). */
  token?: string;
}

/** The anchor's rules: excluded addresses first, then rdr to our port on lo0 and route-to lo0 out. */
export function pfRedirectRules(spec: RedirectSpec): string {
  checkPort(spec.toPort);
  const excludes = spec.excludes.map(normalizeCidr);
  const cidrs = spec.cidrs.map(normalizeCidr);
  return [
    // Translation: the first matching rule wins.
    ...excludes.map((x) => `no rdr on lo0 inet proto tcp from any to ${x}`),
    ...cidrs.map((c) => `rdr pass on lo0 inet proto tcp from any to ${c} -> 127.0.0.1 port ${spec.toPort}`),
    // Filtering: quick, so that no later rule of another anchor changes the outcome.
    ...excludes.map((x) => `pass out quick inet proto tcp from any to ${x}`),
    ...cidrs.map((c) => `pass out quick route-to lo0 inet proto tcp from any to ${c} keep state`),
    '',
  ].join('\n');
}

/** DNS to 127.0.0.1:53 (UDP and TCP) to a local server on another port. */
export function pfLoopbackDnsRules(toPort: number): string {
  checkPort(toPort);
  return `rdr pass on lo0 inet proto { udp tcp } from any to 127.0.0.1 port 53 -> 127.0.0.1 port ${toPort}\n`;
}

function checkPort(port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`not a port: ${port}`);
}

/** `pfctl -E` prints `Token : <n>` (on stderr); the reference it took is released with that token. */
export function parseEnableToken(output: string): string | undefined {
  return /Token\s*:\s*(\d+)/.exec(output)?.[1];
}

/** Refuses, before anything changes, a pf that would never see our rules. */
async function checkPfReady(runner: CommandRunner): Promise<void> {
  const nat = await mustRun(runner, 'pfctl', ['-s', 'nat']);
  const rules = await mustRun(runner, 'pfctl', ['-s', 'rules']);
  if (!nat.includes('rdr-anchor "com.apple/*"') || !rules.includes('anchor "com.apple/*"')) {
    throw new UserError(
      ErrorCode.PfNoAnchor,
      "pf's main ruleset does not evaluate the com.apple anchors, so ktctl's rules would never apply",
      {
        hint: "reload macOS's ruleset with `sudo pfctl -f /etc/pf.conf` (or add the com.apple anchor lines to yours), or use --mode tun2socks",
      },
    );
  }
  const loopback = await mustRun(runner, 'pfctl', ['-s', 'Interfaces', '-i', 'lo0', '-v']);
  if (/\bskip\b/.test(loopback)) {
    throw new UserError(ErrorCode.PfSkipsLoopback, 'pf skips lo0 (`set skip on lo0`), so it cannot redirect connections to ktctl', {
      hint: 'remove `set skip on lo0` from the loaded pf ruleset, or use --mode tun2socks',
    });
  }
}

/** Kernel redirect with pf: rules in ktctl's anchors, pf enabled by reference, all journaled first. */
export function createPfRedirect(runner: CommandRunner, journal: Journal, libc: Libc): KernelRedirect {
  let pfFd: number | undefined;
  const devPf = () => (pfFd ??= libc.openReadWrite('/dev/pf'));
  const install = async (anchor: string, rules: string) => {
    await checkPfReady(runner);
    // Installing again (new CIDRs) replaces what this session installed before.
    await journal.undoWhere((e) => e.kind === 'pf-anchor' && e.anchor === anchor);
    const entry: PfAnchorEntry = { kind: 'pf-anchor', anchor };
    await journal.change(entry, () => mustRun(runner, 'pfctl', ['-a', anchor, '-f', '-'], { input: rules }).then(() => undefined));
    if (!journal.pending().some((e) => e.kind === 'pf-enabled')) await enablePf(runner, journal);
  };
  return {
    backend: 'pf',
    async redirectTcp(spec) {
      const v6 = [...spec.cidrs, ...spec.excludes].find(isIpv6Cidr);
      if (v6) {
        throw new UserError('KT_IPV6_UNSUPPORTED', `sshuttle mode redirects IPv4 only (got ${v6})`, {
          hint: 'use the tun2socks mode for IPv6 cluster ranges',
        });
      }
      await install(TCP_ANCHOR, pfRedirectRules(spec));
    },
    async redirectLoopbackDns(toPort) {
      await install(DNS_ANCHOR, pfLoopbackDnsRules(toPort));
    },
    originalDestination: (socket) => pfOriginalDestination(libc, devPf, socket),
  };
}

async function enablePf(runner: CommandRunner, journal: Journal): Promise<void> {
  const entry: PfEnabledEntry = { kind: 'pf-enabled' };
  await journal.change(entry, async () => {
    const result = await runner('pfctl', ['-E']);
    if (result.code !== 0) throw new Error(`pfctl -E failed: ${result.stderr.trim()}`);
    const token = parseEnableToken(`${result.stdout}\n${result.stderr}`);
    if (token === undefined) throw new Error(`pfctl -E gave no token: ${result.stderr.trim()}`);
    entry.token = token;
  });
}

export function pfUndoers(runner: CommandRunner): Undoers {
  return {
    'pf-anchor': async (entry) => {
      const { anchor } = entry as PfAnchorEntry;
      const result = await runner('pfctl', ['-a', anchor, '-F', 'all']);
      if (result.code !== 0 && !/does not exist|No such/i.test(result.stderr)) {
        throw new Error(`pfctl -a ${anchor} -F all failed: ${result.stderr.trim()}`);
      }
    },
    'pf-enabled': async (entry) => {
      const { token } = entry as PfEnabledEntry;
      // No token: killed between pfctl -E and the journal write; the reference stays (pf stays enabled,
      // with our anchors empty), which changes no traffic.
      if (token === undefined) return;
      const result = await runner('pfctl', ['-X', token]);
      // A token pf no longer knows (released already, or a reboot since) is as good as released.
      if (result.code !== 0 && !/invalid|not found|No such/i.test(result.stderr)) {
        throw new Error(`pfctl -X ${token} failed: ${result.stderr.trim()}`);
      }
    },
  };
}
