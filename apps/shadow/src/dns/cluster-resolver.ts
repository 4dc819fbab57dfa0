import { Packet, type Resource } from 'dns2';
import {
  expandName,
  normalizeName,
  queryUpstream,
  rewriteAnswerNames,
  stripSearchDomains,
  TtlCache,
  type DnsQuestion,
  type Upstream,
} from '@ktctl/dns';

/** What the agent answers for one question. */
export interface Resolution {
  rcode: number;
  answers: Resource[];
  authorities: Resource[];
}

export interface ClusterResolverOptions {
  upstream: Upstream;
  /** The pod's search list: `<ns>.svc.<domain>`, `svc.<domain>`, `<domain>`. */
  search: string[];
  /** The laptop's search domains, stripped from questions. */
  localDomains: string[];
  /** Seconds an answer is served from the cache at most; 0 disables the cache. */
  cacheTtl: number;
  /** How to ask the upstream; the real network by default. */
  ask?: (upstream: Upstream, question: DnsQuestion) => Promise<Packet>;
}

/** When no candidate name has answers: a name that exists beats a failure, which beats "no such name". */
const NEGATIVE_PRECEDENCE: number[] = [Packet.RCODE.NOERROR, Packet.RCODE.SERVFAIL, Packet.RCODE.NXDOMAIN];

/**
 * Resolves laptop questions the way a pod in the shadow's namespace would (spec §5): strip the laptop's
 * domains, try the search-list expansions in order, answer under the asked name, cache with TTL.
 * An upstream that does not answer at all yields SERVFAIL (thrown as UpstreamError) and is never cached.
 */
export class ClusterResolver {
  private readonly cache = new TtlCache<string, Resolution>();
  private readonly inflight = new Map<string, Promise<Resolution>>();
  private readonly ask: NonNullable<ClusterResolverOptions['ask']>;

  constructor(private readonly options: ClusterResolverOptions) {
    this.ask = options.ask ?? ((upstream, question) => queryUpstream(upstream, question));
  }

  /** Answers one question, from the cache when it can; concurrent identical questions share one lookup. */
  async resolve(question: DnsQuestion): Promise<Resolution> {
    const key = `${normalizeName(question.name)}/${question.type}/${question.class ?? Packet.CLASS.IN}`;
    const hit = this.cache.get(key);
    if (hit) return aged(hit.value, hit.ageSeconds);
    const pending = this.inflight.get(key);
    if (pending) return pending;
    const lookup = this.lookup(question).finally(() => this.inflight.delete(key));
    this.inflight.set(key, lookup);
    const resolution = await lookup;
    this.cache.set(key, resolution, this.cacheSeconds(resolution));
    return resolution;
  }

  /** The names to try: the spec's expansions, then the unstripped name if stripping changed it. */
  candidates(name: string): string[] {
    const stripped = stripSearchDomains(name, this.options.localDomains);
    const names = expandName(stripped, this.options.search);
    const asked = name.replace(/\.+$/, '');
    // Stripping guesses the laptop's resolver appended the domain; a real name in that domain still resolves.
    if (stripped !== asked && !names.some((n) => normalizeName(n) === normalizeName(asked))) names.push(asked);
    return names;
  }

  private async lookup(question: DnsQuestion): Promise<Resolution> {
    const negatives: Packet[] = [];
    for (const candidate of this.candidates(question.name)) {
      const response = await this.ask(this.options.upstream, { ...question, name: candidate });
      if (response.header.rcode === Packet.RCODE.NOERROR && response.answers.length > 0) {
        return { rcode: Packet.RCODE.NOERROR, answers: rewriteAnswerNames(response.answers, candidate, question.name), authorities: [] };
      }
      negatives.push(response);
    }
    const chosen = NEGATIVE_PRECEDENCE.map((rcode) => negatives.find((r) => r.header.rcode === rcode)).find(Boolean) ?? negatives.at(-1);
    return { rcode: chosen?.header.rcode ?? Packet.RCODE.NXDOMAIN, answers: [], authorities: chosen?.authorities ?? [] };
  }

  /** Positive answers live as long as their shortest TTL allows; failures are not cached. */
  private cacheSeconds(resolution: Resolution): number {
    if (resolution.rcode !== Packet.RCODE.NOERROR && resolution.rcode !== Packet.RCODE.NXDOMAIN) return 0;
    const ttls = [...resolution.answers, ...resolution.authorities].map((r) => r.ttl);
    return Math.min(this.options.cacheTtl, ...ttls);
  }
}

/** A cached resolution with record TTLs counted down by the time it spent in the cache. */
function aged(resolution: Resolution, ageSeconds: number): Resolution {
  const age = (records: Resource[]): Resource[] => records.map((r) => ({ ...r, ttl: Math.max(0, r.ttl - ageSeconds) }));
  return { rcode: resolution.rcode, answers: age(resolution.answers), authorities: age(resolution.authorities) };
}
