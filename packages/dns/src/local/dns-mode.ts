import { ErrorCode, UsageError } from '@ktctl/plugin-api';

/** Who the local DNS server asks: the cluster (through the shadow agent) or the laptop's original nameservers. */
export type DnsSource = 'cluster' | 'upstream';

/** What `--dnsMode` asks for. */
export type DnsMode = { kind: 'localDNS'; order: DnsSource[] } | { kind: 'podDNS' } | { kind: 'hosts'; namespaces: string[] };

/** The order `localDNS` uses when none is given: the cluster first, then the original upstream. */
export const DEFAULT_DNS_ORDER: readonly DnsSource[] = ['cluster', 'upstream'];

const SOURCES: readonly string[] = ['cluster', 'upstream'];
// A Kubernetes namespace name is an RFC 1123 label.
const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const SYNTAX = 'use localDNS, localDNS:cluster,upstream, localDNS:upstream,cluster, podDNS, hosts or hosts:<ns1>,<ns2>';

/**
 * Parses `--dnsMode`: `localDNS[:<order>]` where order lists `cluster` and/or `upstream` (comma separated),
 * `podDNS`, `hosts` or `hosts:<ns>[,<ns>...]`. Mode names are case-insensitive. Throws KT_INVALID_FLAG.
 */
export function parseDnsMode(text: string): DnsMode {
  const trimmed = text.trim();
  const colon = trimmed.indexOf(':');
  const kind = (colon < 0 ? trimmed : trimmed.slice(0, colon)).toLowerCase();
  const argument = colon < 0 ? undefined : trimmed.slice(colon + 1);
  switch (kind) {
    case 'localdns':
      return { kind: 'localDNS', order: argument === undefined ? [...DEFAULT_DNS_ORDER] : parseOrder(argument) };
    case 'poddns':
      if (argument !== undefined) throw invalid(text, 'podDNS takes no argument');
      return { kind: 'podDNS' };
    case 'hosts':
      return { kind: 'hosts', namespaces: argument === undefined ? [] : parseNamespaces(argument) };
    default:
      throw invalid(text, `unknown mode '${kind}'`);
  }
}

/** The text form of a mode, as `parseDnsMode` reads it (for logs and the shadow's annotations). */
export function formatDnsMode(mode: DnsMode): string {
  if (mode.kind === 'localDNS') return `localDNS:${mode.order.join(',')}`;
  if (mode.kind === 'hosts') return mode.namespaces.length > 0 ? `hosts:${mode.namespaces.join(',')}` : 'hosts';
  return 'podDNS';
}

function parseOrder(argument: string): DnsSource[] {
  const items = splitList(argument).map((item) => item.toLowerCase());
  if (items.length === 0) throw invalid(`localDNS:${argument}`, 'the order is empty');
  for (const item of items)
    if (!SOURCES.includes(item)) throw invalid(`localDNS:${argument}`, `unknown source '${item}' (cluster, upstream)`);
  if (new Set(items).size !== items.length) throw invalid(`localDNS:${argument}`, 'a source is listed twice');
  return items as DnsSource[];
}

function parseNamespaces(argument: string): string[] {
  const namespaces = splitList(argument);
  if (namespaces.length === 0) throw invalid(`hosts:${argument}`, 'no namespace after hosts:');
  const bad = namespaces.find((ns) => !NAMESPACE.test(ns));
  if (bad !== undefined) throw invalid(`hosts:${argument}`, `'${bad}' is not a namespace name`);
  return [...new Set(namespaces)];
}

function splitList(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

function invalid(text: string, why: string): UsageError {
  return new UsageError(`invalid --dnsMode '${text}': ${why}`, { code: ErrorCode.InvalidFlag, hint: SYNTAX });
}
