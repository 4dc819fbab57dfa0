import { dig as timedDig, startDnsmasq, type Dnsmasq } from '@ktctl/testkit';

export { withoutTtl } from '@ktctl/testkit';

/** What dig saw (status and answers, as the agent's tests compare them whole; the timing left out). */
export async function dig(port: number, name: string, type = 'A', extra: string[] = []): Promise<{ status: string; answers: string[] }> {
  const { status, answers } = await timedDig(port, name, type, extra);
  return { status, answers };
}

/** A dnsmasq on 127.0.0.1 playing the cluster DNS, plus a server behind it that always fails. */
export type ClusterDns = Dnsmasq;

/** dnsmasq answering `cluster.local` and `test` from `records` (`--host-record`) and `srv` (`--srv-host`); `fail.example` gets SERVFAIL. */
export function startClusterDns(records: string[], srv: string[]): Promise<ClusterDns> {
  return startDnsmasq('127.0.0.1', { local: ['cluster.local', 'test'], failing: ['fail.example'], records, srv });
}
