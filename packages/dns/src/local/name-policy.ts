import { labelCount, normalizeName, stripSearchDomains } from '../names.js';
import type { DnsSource } from './dns-mode.js';

/**
 * What a name can be: `cluster` — only a cluster name (`svc`, `svc.ns.svc`, `*.<clusterDomain>`), never asked
 * outside; `either` — a cluster name or a real one (`svc.ns` vs `google.dev`), asked in the configured order;
 * `external` — not a form the cluster's search list produces, asked upstream first.
 */
export type NameKind = 'cluster' | 'either' | 'external';

export interface NamePolicyOptions {
  /** The cluster's DNS domain (`--clusterDomain`), e.g. `cluster.local`. */
  clusterDomain: string;
  /** The laptop's own search domains; the shadow agent strips them too. */
  searchDomains: readonly string[];
}

// `svc` and `pod` are never real top-level domains, so `web.ns.svc` or `10-0-0-1.ns.pod` is a cluster name.
const CLUSTER_ONLY_TLDS = new Set(['svc', 'pod']);

/** Classifies a question name; see NameKind. */
export function classifyName(name: string, options: NamePolicyOptions): NameKind {
  const bare = normalizeName(name);
  const domain = normalizeName(options.clusterDomain);
  if (bare === '') return 'external';
  if (domain !== '' && (bare === domain || bare.endsWith(`.${domain}`))) return 'cluster';
  const stripped = normalizeName(stripSearchDomains(bare, options.searchDomains));
  const kind = kindByShape(stripped);
  // `web.corp.example` is `web` plus the laptop's search domain, but it may as well be a real intranet host.
  return stripped !== bare && kind === 'cluster' ? 'either' : kind;
}

function kindByShape(bare: string): NameKind {
  const labels = labelCount(bare);
  const last = bare.slice(bare.lastIndexOf('.') + 1);
  if (labels === 1 || CLUSTER_ONLY_TLDS.has(last)) return 'cluster';
  // Reverse lookups of cluster IPs are answered by the cluster, of other IPs by the upstream.
  if (bare.endsWith('.in-addr.arpa') || bare.endsWith('.ip6.arpa')) return 'either';
  // 2 labels: `svc.ns`, `pod.svc`; 3 labels: `pod.svc.ns`. 4 and more only reach the cluster as they are.
  return labels <= 3 ? 'either' : 'external';
}

/**
 * The name to ask the cluster for. A name that may be either (`web.dev`, `www.google.com`) is asked as the
 * Service it would be (`web.dev.svc.<clusterDomain>`): the cluster then only answers for its own Services,
 * and never passes an external name to its own upstream, whose answers could differ from the laptop's.
 */
export function clusterQueryName(name: string, options: NamePolicyOptions): string {
  const bare = normalizeName(name);
  const domain = normalizeName(options.clusterDomain);
  const isReverse = bare.endsWith('.in-addr.arpa') || bare.endsWith('.ip6.arpa');
  const viaSearchDomain = normalizeName(stripSearchDomains(bare, options.searchDomains)) !== bare;
  if (isReverse || viaSearchDomain || domain === '' || classifyName(bare, options) !== 'either') return name;
  return `${bare}.svc.${domain}`;
}

/**
 * The sources to ask for a kind of name, in order. Cluster-only names go only to the cluster whatever the
 * order; external names go to the upstream first, the cluster after (it may know private zones).
 */
export function sourcesFor(kind: NameKind, order: readonly DnsSource[]): DnsSource[] {
  if (kind === 'cluster') return ['cluster'];
  if (kind === 'either') return [...order];
  return (['upstream', 'cluster'] as const).filter((source) => order.includes(source));
}
