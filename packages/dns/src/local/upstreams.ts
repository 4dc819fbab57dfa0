import { Packet } from 'dns2';
import { queryUpstream, UpstreamError, type DnsQuestion, type QueryOptions, type Upstream } from '../upstream.js';

/** How one upstream is asked; `queryUpstream` unless a test says otherwise. */
export type QueryFn = (upstream: Upstream, question: DnsQuestion, options: QueryOptions) => Promise<Packet>;

/**
 * Asks the laptop's original nameservers in turn, as the libc resolver does: the next one when a server does
 * not answer or answers SERVFAIL/REFUSED; the first other answer wins. Rejects with UpstreamError when none answers.
 */
export async function askUpstreams(
  upstreams: readonly Upstream[],
  question: DnsQuestion,
  options: QueryOptions = {},
  query: QueryFn = queryUpstream,
): Promise<Packet> {
  let last: Packet | undefined;
  let lastError: unknown;
  for (const upstream of upstreams) {
    try {
      const packet = await query(upstream, question, options);
      if (packet.header.rcode !== Packet.RCODE.SERVFAIL && packet.header.rcode !== Packet.RCODE.REFUSED) return packet;
      last = packet;
    } catch (error) {
      lastError = error;
    }
  }
  if (last) return last;
  throw new UpstreamError(upstreams.length === 0 ? 'no upstream nameserver configured' : 'no upstream nameserver answered', {
    cause: lastError,
  });
}

/** The upstreams without the local server itself, so that a resolv.conf already pointing at it cannot loop. */
export function withoutSelf(upstreams: readonly Upstream[], self: Upstream): Upstream[] {
  const selfHost = self.host === '0.0.0.0' || self.host === '::' ? undefined : self.host;
  return upstreams.filter((u) => !(u.port === self.port && (selfHost === undefined ? isLoopback(u.host) : u.host === selfHost)));
}

function isLoopback(host: string): boolean {
  return host.startsWith('127.') || host === '::1';
}
