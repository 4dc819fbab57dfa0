import { mkdirSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import type { DnsConfigurator, DnsSettings } from '@ktctl/netplatform';
import {
  type CommandRunner,
  type Journal,
  type JournalEntry,
  readFileOrUndefined,
  sha256,
  type Undoers,
  writeFileDurable,
} from '@ktctl/netplatform';

/**
 * A file under /etc/resolver that ktctl wrote. `original` (base64) is the file that was there before, put
 * back on undo; without one the file is removed, but only while it still holds what ktctl wrote.
 */
export interface ResolverFileEntry extends JournalEntry {
  readonly kind: 'resolver-file';
  readonly path: string;
  readonly written: string;
  readonly original?: string;
  /** /etc/resolver did not exist: removed again when empty. */
  readonly createdDir?: boolean;
}

export interface DarwinDnsOptions {
  readonly runner: CommandRunner;
  readonly journal: Journal;
  /** `/etc/resolver`. */
  readonly resolverDir: string;
  /** `/etc/resolv.conf` (macOS keeps the primary service's nameservers there for programs that read it). */
  readonly resolvConfPath: string;
}

/** `127.0.0.1`, `127.0.0.1:5353`, `[fd00::1]:53` → address and port (53 when absent). */
export function splitNameserver(value: string): { address: string; port: number } {
  const match = /^\[(.+)\](?::(\d+))?$/.exec(value) ?? /^([^:]+)(?::(\d+))?$/.exec(value);
  const address = match?.[1] ?? value;
  if (isIP(address) === 0) throw new Error(`not a nameserver address: ${JSON.stringify(value)}`);
  return { address, port: Number(match?.[2] ?? 53) };
}

/**
 * The content of `/etc/resolver/<domain>` (resolver(5)): one `port` applies to every nameserver of the
 * file, and `search_order` 1 puts it before the other scoped resolvers for that domain.
 */
export function resolverFileContent(nameservers: readonly string[], pid = process.pid): string {
  const parsed = nameservers.map(splitNameserver);
  const ports = [...new Set(parsed.map((n) => n.port))];
  if (parsed.length === 0) throw new Error('no nameserver for the resolver file');
  if (ports.length > 1) throw new Error(`one port per resolver file, got ${ports.join(', ')}`);
  return [
    `# Written by ktctl (pid ${pid}); removed when it exits`,
    ...parsed.map((n) => `nameserver ${n.address}`),
    `port ${ports[0]}`,
    'search_order 1',
    '',
  ].join('\n');
}

function checkDomain(domain: string): string {
  const name = domain.replace(/^~/, '').replace(/\.$/, '');
  if (!/^[A-Za-z0-9_]([A-Za-z0-9_-]*)(\.[A-Za-z0-9_-]+)*$/.test(name)) throw new Error(`not a DNS domain: ${JSON.stringify(domain)}`);
  return name;
}

/** Nameservers and search domains of a resolv.conf text (the last `search`/`domain` line wins). */
export function parseResolvConf(text: string): { nameservers: string[]; search: string[] } {
  const nameservers: string[] = [];
  let search: string[] = [];
  for (const line of text.split('\n')) {
    const [key, ...values] = line.trim().split(/\s+/);
    if (key === 'nameserver' && values[0]) nameservers.push(values[0]);
    if (key === 'search' || key === 'domain') search = values.filter((v) => v !== '' && !v.startsWith('#'));
  }
  return { nameservers, search };
}

/** The commands that make mDNSResponder drop what it cached and re-read /etc/resolver. */
export const FLUSH_COMMANDS: readonly (readonly string[])[] = [
  ['dscacheutil', '-flushcache'],
  ['killall', '-HUP', 'mDNSResponder'],
];

async function flushDnsCache(runner: CommandRunner): Promise<void> {
  // Best effort: a cache that is not flushed only delays the change by its TTL.
  for (const [command, ...args] of FLUSH_COMMANDS) await runner(command!, args).catch(() => undefined);
}

/**
 * Split DNS through /etc/resolver/<domain> files: only names under the route domains go to our server
 * (ports allowed), everything else keeps the system's resolvers.
 */
export function createDarwinDns(options: DarwinDnsOptions): DnsConfigurator {
  const { runner, journal } = options;
  const original = () => parseResolvConf(readFileOrUndefined(options.resolvConfPath)?.toString('utf8') ?? '');
  return {
    backend: async () => 'resolver-files',
    supportsPort: async () => true,
    originalNameservers: async () => original().nameservers,
    originalSearchDomains: async () => original().search,
    async apply(settings: DnsSettings) {
      const domains = [...new Set((settings.routeDomains ?? []).map(checkDomain))];
      if (domains.length === 0) throw new Error('/etc/resolver needs at least one route domain');
      const content = resolverFileContent(settings.nameservers);
      // A second apply starts from the files as they were, so the journal keeps the true originals.
      await journal.undoWhere((e) => e.kind === 'resolver-file');
      for (const domain of domains) await writeResolverFile(options, join(options.resolverDir, domain), content);
      await flushDnsCache(runner);
    },
  };
}

async function writeResolverFile(options: DarwinDnsOptions, path: string, content: string): Promise<void> {
  const original = readFileOrUndefined(path);
  let createdDir = false;
  try {
    readdirSync(options.resolverDir);
  } catch {
    createdDir = true;
  }
  const entry: ResolverFileEntry = {
    kind: 'resolver-file',
    path,
    written: sha256(content),
    ...(original === undefined ? {} : { original: original.toString('base64') }),
    ...(createdDir ? { createdDir } : {}),
  };
  await options.journal.change(entry, async () => {
    mkdirSync(options.resolverDir, { recursive: true, mode: 0o755 });
    writeFileDurable(path, content, 0o644);
  });
}

export function resolverUndoers(runner: CommandRunner): Undoers {
  return {
    'resolver-file': async (raw) => {
      const entry = raw as ResolverFileEntry;
      const current = readFileOrUndefined(entry.path);
      const ours = current !== undefined && sha256(current) === entry.written;
      if (entry.original !== undefined) {
        if (current === undefined || ours) writeFileDurable(entry.path, Buffer.from(entry.original, 'base64'), 0o644);
      } else if (ours) {
        rmSync(entry.path, { force: true });
      }
      if (entry.createdDir) removeIfEmpty(join(entry.path, '..'));
      await flushDnsCache(runner);
    },
  };
}

function removeIfEmpty(dir: string): void {
  try {
    if (readdirSync(dir).length === 0) rmdirSync(dir);
  } catch {
    // Gone already, or someone else's files are in it now.
  }
}
