import { Packet, type Resource } from 'dns2';
import { TtlCache } from '../cache.js';
import { normalizeName } from '../names.js';
import { rewriteAnswerNames } from '../rewrite.js';
import type { DnsQuestion } from '../upstream.js';
import type { DnsSource } from './dns-mode.js';
import { classifyName, clusterQueryName, sourcesFor, type NameKind, type NamePolicyOptions } from './name-policy.js';

/** What the local server answers for one question, and where the answer came from. */
export interface LocalResolution {
  rcode: number;
  answers: Resource[];
  authorities: Resource[];
  source: DnsSource | 'cache' | 'none';
}

/** Counters of the local DNS server, for `--debug` output and benchmarks. */
export interface LocalDnsStats {
  queries: number;
  cacheHits: number;
  askedCluster: number;
  askedUpstream: number;
  clusterFailures: number;
  upstreamFailures: number;
  servfail: number;
}

export interface LocalResolverOptions extends NamePolicyOptions {
  /** Who to ask first for names that may be either a cluster or an external name. */
  order: readonly DnsSource[];
  /** Seconds an answer is served from the cache at most (`--dnsCacheTtl`); 0 disables the cache. */
  cacheTtl: number;
  /** Asks the cluster (the shadow agent's DNS); rejects when it cannot. */
  askCluster(question: DnsQuestion): Promise<Packet>;
  /** Asks the laptop's original nameservers; rejects when none answers. */
  askUpstream(question: DnsQuestion): Promise<Packet>;
  /** Milliseconds since some fixed point; injected so tests control time. */
  now?: () => number;
}

interface Outcome {
  source: DnsSource;
  packet?: Packet;
}

/**
 * Decides per name who to ask (see classifyName), in order, falling through on NXDOMAIN or failure so that
 * a namespace named like a TLD never captures it; a NOERROR answer, even an empty one, is final.
 */
export class LocalResolver {
  readonly stats: LocalDnsStats = {
    queries: 0,
    cacheHits: 0,
    askedCluster: 0,
    askedUpstream: 0,
    clusterFailures: 0,
    upstreamFailures: 0,
    servfail: 0,
  };
  private readonly cache: TtlCache<string, LocalResolution>;
  private readonly inflight = new Map<string, Promise<LocalResolution>>();

  constructor(private readonly options: LocalResolverOptions) {
    this.cache = new TtlCache(options.now ? { now: options.now } : {});
  }

  /** Answers one question, from the cache when it can; concurrent identical questions share one lookup. */
  async resolve(question: DnsQuestion): Promise<LocalResolution> {
    this.stats.queries++;
    const key = `${normalizeName(question.name)}/${question.type}/${question.class ?? Packet.CLASS.IN}`;
    const hit = this.cache.get(key);
    if (hit) return (this.stats.cacheHits++, underName(aged(hit.value, hit.ageSeconds), question.name, 'cache'));
    let lookup = this.inflight.get(key);
    if (!lookup) {
      lookup = this.lookup(question).finally(() => this.inflight.delete(key));
      this.inflight.set(key, lookup);
      void lookup.then((resolution) => this.cache.set(key, resolution, this.cacheSeconds(resolution)));
    }
    const resolution = await lookup;
    if (resolution.rcode === Packet.RCODE.SERVFAIL) this.stats.servfail++;
    return underName(resolution, question.name, resolution.source);
  }

  /** Drops every cached answer (e.g. after the tunnel came back to a new shadow pod). */
  clearCache(): void {
    this.cache.clear();
  }

  private async lookup(question: DnsQuestion): Promise<LocalResolution> {
    const kind = classifyName(question.name, this.options);
    const outcomes: Outcome[] = [];
    for (const source of sourcesFor(kind, this.options.order)) {
      const outcome = await this.ask(source, question);
      const packet = outcome.packet;
      if (packet && rcodeOf(packet) === Packet.RCODE.NOERROR)
        return { rcode: Packet.RCODE.NOERROR, answers: packet.answers, authorities: packet.authorities, source };
      outcomes.push(outcome);
    }
    return negative(outcomes, kind);
  }

  private async ask(source: DnsSource, question: DnsQuestion): Promise<Outcome> {
    const cluster = source === 'cluster';
    if (cluster) this.stats.askedCluster++;
    else this.stats.askedUpstream++;
    try {
      if (!cluster) return { source, packet: await this.options.askUpstream(question) };
      const name = clusterQueryName(question.name, this.options);
      const packet = await this.options.askCluster({ ...question, name });
      if (name !== question.name) packet.answers = rewriteAnswerNames(packet.answers, name, question.name.replace(/\.+$/, ''));
      return { source, packet };
    } catch {
      // Unreachable is an outcome here, not an error: the next source may answer, else the client gets SERVFAIL.
      if (cluster) this.stats.clusterFailures++;
      else this.stats.upstreamFailures++;
      return { source };
    }
  }

  /** Answers and "no such name" live as long as their shortest TTL allows; failures are not cached. */
  private cacheSeconds(resolution: LocalResolution): number {
    if (resolution.rcode !== Packet.RCODE.NOERROR && resolution.rcode !== Packet.RCODE.NXDOMAIN) return 0;
    const ttls = [...resolution.answers, ...resolution.authorities].map((r) => r.ttl);
    return Math.min(this.options.cacheTtl, ...ttls);
  }
}

/**
 * When no source said NOERROR: NXDOMAIN if every source asked said so, SERVFAIL if one that could have known
 * the name failed. For external names a failing cluster does not count: it is only a fallback there.
 */
function negative(outcomes: Outcome[], kind: NameKind): LocalResolution {
  const isNxdomain = (o: Outcome): boolean => !!o.packet && rcodeOf(o.packet) === Packet.RCODE.NXDOMAIN;
  const failed = outcomes.some((o) => !isNxdomain(o) && (kind !== 'external' || o.source === 'upstream'));
  const nxdomain = outcomes.find(isNxdomain);
  if (nxdomain?.packet && !failed)
    return { rcode: Packet.RCODE.NXDOMAIN, answers: [], authorities: nxdomain.packet.authorities, source: nxdomain.source };
  return { rcode: Packet.RCODE.SERVFAIL, answers: [], authorities: [], source: 'none' };
}

/** A packet built in memory has no rcode until one is set: that means NOERROR. */
function rcodeOf(packet: Packet): number {
  return packet.header.rcode ?? Packet.RCODE.NOERROR;
}

/** The resolution with records owned by the asked name spelled exactly as this client asked it. */
function underName(resolution: LocalResolution, name: string, source: LocalResolution['source']): LocalResolution {
  const asked = name.replace(/\.+$/, '');
  return { ...resolution, answers: rewriteAnswerNames(resolution.answers, asked, asked), source };
}

/** A cached resolution with record TTLs counted down by the time it spent in the cache. */
function aged(resolution: LocalResolution, ageSeconds: number): LocalResolution {
  const age = (records: Resource[]): Resource[] => records.map((r) => ({ ...r, ttl: Math.max(0, r.ttl - ageSeconds) }));
  return { ...resolution, answers: age(resolution.answers), authorities: age(resolution.authorities) };
}
