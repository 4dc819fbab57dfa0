import { createSocket } from 'node:dgram';
import { randomInt } from 'node:crypto';
import { Packet, type Question } from 'dns2';
import { quantile } from '@ktctl/testkit';

/** Milliseconds for one A question over UDP to 127.0.0.1:port (a fresh socket, like a stub resolver). */
async function lookupMs(port: number, name: string): Promise<number> {
  const query = new Packet();
  query.header.id = randomInt(0, 0x10000);
  query.header.rd = 1;
  query.questions.push({ name, type: Packet.TYPE.A, class: Packet.CLASS.IN } as Question);
  const socket = createSocket('udp4');
  const started = performance.now();
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer for ${name} in 2 s`)), 2_000);
      socket.once('message', () => (clearTimeout(timer), resolve()));
      socket.send(query.toBuffer(), port, '127.0.0.1');
    });
    return performance.now() - started;
  } finally {
    socket.close();
  }
}

/** p50/p99 in ms of `count` sequential lookups of names made by `name(i)`. */
async function series(port: number, count: number, name: (i: number) => string): Promise<{ p50: number; p99: number }> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) samples.push(await lookupMs(port, name(i)));
  return { p50: quantile(samples, 0.5), p99: quantile(samples, 0.99) };
}

/**
 * DNS latency on loopback: the upstream (dnsmasq) asked directly, the agent answering from its cache,
 * and the agent on a cache miss (each name new, 5 labels: one upstream question each).
 */
export async function benchDns(agentPort: number, upstreamPort: number, count = 1000) {
  const direct = await series(upstreamPort, count, () => 'web.team-a.svc.cluster.local');
  const cached = await series(agentPort, count, () => 'web');
  const miss = await series(agentPort, count, (i) => `nosuch${i}.team-a.svc.cluster.local`);
  return { directMs: direct, agentCachedMs: cached, agentMissMs: miss };
}
