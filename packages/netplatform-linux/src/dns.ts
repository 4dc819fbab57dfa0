import { readFileSync, realpathSync } from 'node:fs';
import type { DnsBackend, DnsConfigurator, DnsSettings } from '@ktctl/netplatform';
import { type CommandRunner, type Journal, type JournalEntry, mustRun, replaceFileJournaled, type Undoers } from '@ktctl/netplatform';
import { createDummyLink } from './links.js';
import { applyResolvConf, parseResolvConf } from './resolvconf.js';

export interface LinuxDnsOptions {
  readonly runner: CommandRunner;
  readonly journal: Journal;
  /** `/etc/resolv.conf`; may be a symlink (its target is edited, the link kept). */
  readonly resolvConfPath: string;
  /** systemd-resolved's list of real upstreams: `/run/systemd/resolve/resolv.conf`. */
  readonly resolvedUpstreamPath: string;
  /** The dummy link DNS is attached to under systemd-resolved when no device is given. */
  readonly dnsLinkName?: string;
}

/** The systemd-resolved stub: resolv.conf pointing at it means resolved owns DNS here. */
const RESOLVED_STUB = '127.0.0.53';

export interface ResolvedLinkEntry extends JournalEntry {
  readonly kind: 'resolved-link';
  readonly device: string;
}

/** Whether resolv.conf hands DNS to systemd-resolved (the stub file, or the stub address in it). */
export function usesSystemdResolved(resolvConfPath: string): boolean {
  let target: string;
  let text: string;
  try {
    target = realpathSync(resolvConfPath);
    text = readFileSync(target, 'utf8');
  } catch {
    return false;
  }
  return (
    target.endsWith('/systemd/resolve/stub-resolv.conf') || parseResolvConf(text, { original: true }).nameservers.includes(RESOLVED_STUB)
  );
}

/** `resolvectl` commands that give a link our nameservers and domains (`~domain` = route only). */
export function resolvectlCommands(device: string, settings: DnsSettings): string[][] {
  const routeDomains = (settings.routeDomains ?? []).map((d) => `~${d.replace(/^~/, '')}`);
  const domains = [...(settings.searchDomains ?? []), ...routeDomains];
  const commands = [['dns', device, ...settings.nameservers]];
  if (domains.length > 0) commands.push(['domain', device, ...domains]);
  // With route-only domains, every other name keeps going to the upstreams it went to before.
  if (routeDomains.length > 0) commands.push(['default-route', device, 'false']);
  return commands;
}

export function createLinuxDns(options: LinuxDnsOptions): DnsConfigurator {
  const { runner, journal } = options;
  let detected: DnsBackend | undefined;
  const backend = async (): Promise<DnsBackend> => {
    if (detected) return detected;
    const resolved = usesSystemdResolved(options.resolvConfPath) && (await runner('resolvectl', ['status'])).code === 0;
    detected = resolved ? 'systemd-resolved' : 'resolv.conf';
    return detected;
  };
  const upstreamFile = async () => ((await backend()) === 'systemd-resolved' ? options.resolvedUpstreamPath : options.resolvConfPath);
  const readOriginal = async () => parseResolvConf(readFileSync(await upstreamFile(), 'utf8'), { original: true });

  return {
    backend,
    supportsPort: async () => (await backend()) === 'systemd-resolved',
    originalNameservers: async () => (await readOriginal()).nameservers,
    originalSearchDomains: async () => (await readOriginal()).search,
    async apply(settings) {
      if ((await backend()) === 'systemd-resolved') {
        await applyResolved(options, settings);
        return;
      }
      const path = options.resolvConfPath;
      // A second apply starts again from the original file, so the journal keeps the true original.
      await journal.undoWhere((e) => e.kind === 'file-replaced' && e.fallback === 'resolv-conf');
      const text = readFileSync(path, 'utf8');
      const change = { nameservers: settings.nameservers, ...(settings.searchDomains ? { searchDomains: settings.searchDomains } : {}) };
      await replaceFileJournaled(journal, path, applyResolvConf(text, change), 'resolv-conf');
    },
  };
}

async function applyResolved(options: LinuxDnsOptions, settings: DnsSettings): Promise<void> {
  const { runner, journal } = options;
  let device = settings.device;
  if (!device) {
    device = options.dnsLinkName ?? 'kt-dns0';
    if (!journal.pending().some((e) => e.kind === 'link-added' && e.name === device)) {
      await createDummyLink(runner, journal, device);
    }
  }
  const link = device;
  const entry: ResolvedLinkEntry = { kind: 'resolved-link', device: link };
  await journal.change(entry, async () => {
    for (const args of resolvectlCommands(link, settings)) await mustRun(runner, 'resolvectl', args);
  });
}

export function dnsUndoers(runner: CommandRunner): Undoers {
  return {
    'resolved-link': async (entry) => {
      const { device } = entry as ResolvedLinkEntry;
      const result = await runner('resolvectl', ['revert', device]);
      // A link that is gone took its DNS settings with it.
      if (result.code !== 0 && !/not found|No such|Unknown/i.test(result.stderr)) {
        throw new Error(`resolvectl revert ${device} failed: ${result.stderr.trim()}`);
      }
    },
  };
}
