import { isIP } from 'node:net';

/**
 * /etc/resolv.conf as text: ktctl puts its own block first and comments out the lines it replaces with a
 * marker, so that the file can be put back even when only the text (not the journal's copy) is left.
 */

export const DNS_BEGIN = '# Kt DNS Begin';
export const DNS_END = '# Kt DNS End';
/** Prefix of a line ktctl commented out; removing it gives the line back byte for byte. */
export const DISABLED = '#kt-disabled# ';

export interface ResolvConf {
  readonly nameservers: string[];
  readonly search: string[];
}

/** The nameservers and search domains in effect, ignoring ktctl's own block and reading its disabled lines. */
export function parseResolvConf(text: string, { original = false } = {}): ResolvConf {
  const source = original ? revertResolvConf(text) : text;
  const nameservers: string[] = [];
  let search: string[] = [];
  for (const line of source.split('\n')) {
    const [key, ...values] = line.trim().split(/\s+/);
    if (key === 'nameserver' && values[0]) nameservers.push(values[0]);
    // glibc: the last `search` or `domain` line wins.
    if (key === 'search' || key === 'domain') search = values.filter((v) => v !== '' && !v.startsWith('#'));
  }
  return { nameservers, search };
}

export interface ResolvConfChange {
  readonly nameservers: readonly string[];
  /** When given, a `search` line with these first, then the original domains. */
  readonly searchDomains?: readonly string[];
}

/** The file with ktctl's nameservers first and the replaced lines commented out. Applying twice is the same. */
export function applyResolvConf(text: string, change: ResolvConfChange): string {
  const base = revertResolvConf(text);
  const original = parseResolvConf(base);
  const replaceSearch = (change.searchDomains?.length ?? 0) > 0;
  const disables = (line: string) => {
    const key = line.trim().split(/\s+/)[0];
    return key === 'nameserver' || (replaceSearch && (key === 'search' || key === 'domain'));
  };
  const body = base
    .split(/(?<=\n)/)
    .map((line) => (disables(line) ? `${DISABLED}${line}` : line))
    .join('');
  const ours = change.nameservers.map((ns) => `nameserver ${checkAddress(ns)}`);
  if (replaceSearch) {
    const domains = [...new Set([...(change.searchDomains ?? []), ...original.search])];
    ours.push(`search ${domains.map(checkDomain).join(' ')}`);
  }
  return [DNS_BEGIN, ...ours, DNS_END, ''].join('\n') + body;
}

/** Undoes applyResolvConf on text: drops ktctl's block and uncomments the disabled lines. Idempotent. */
export function revertResolvConf(text: string): string {
  const lines = text.split(/(?<=\n)/);
  const out: string[] = [];
  let inBlock = false;
  for (const line of lines) {
    const bare = line.trimEnd();
    if (!inBlock && bare === DNS_BEGIN && lines.some((l) => l.trimEnd() === DNS_END)) {
      inBlock = true;
      continue;
    }
    if (inBlock) {
      if (bare === DNS_END) inBlock = false;
      continue;
    }
    out.push(line.startsWith(DISABLED) ? line.slice(DISABLED.length) : line);
  }
  return out.join('');
}

function checkAddress(ns: string): string {
  if (isIP(ns) === 0) {
    throw new Error(`resolv.conf takes a bare IP address (no port): ${JSON.stringify(ns)}`);
  }
  return ns;
}

function checkDomain(domain: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(domain)) throw new Error(`not a search domain: ${JSON.stringify(domain)}`);
  return domain;
}
