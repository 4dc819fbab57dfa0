import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { Packet } from 'dns2';
import { afterEach, describe, expect, it } from 'vitest';
import { answerWithA, startFakeAgentDns, type FakeAgentDns } from '../../test/fake-agent-dns.js';
import { queryUpstream } from '../upstream.js';
import { ClusterClient } from './cluster-client.js';
import { startLocalDns, type LocalDns } from './local-dns.js';

let fake: FakeAgentDns | undefined;
let server: LocalDns | undefined;
afterEach(async () => {
  await server?.close();
  await fake?.close();
  server = fake = undefined;
});

async function start(port = 0): Promise<LocalDns> {
  const agent = fake ?? (fake = await startFakeAgentDns((query) => ({ answer: answerWithA(query, '10.0.0.1') })));
  return startLocalDns({ port, upstreams: [], openClusterStream: () => agent.open() });
}

function tcpClient(port: number): ClusterClient {
  return new ClusterClient({
    openStream: () =>
      new Promise((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port });
        socket.once('connect', () => resolve(socket)).once('error', reject);
      }),
  });
}

describe('startLocalDns', () => {
  it('with port 0 listens on one free port for both UDP and TCP', async () => {
    server = await start();
    expect(server.port).toBeGreaterThan(0);
    const udp = await queryUpstream({ host: '127.0.0.1', port: server.port }, { name: 'web', type: Packet.TYPE.A });
    expect(udp.answers.map((a) => a.address)).toEqual(['10.0.0.1']);
    const client = tcpClient(server.port);
    const tcp = await client.query({ name: 'web.ns.svc', type: Packet.TYPE.A });
    expect(tcp.answers.map((a) => [a.name, a.address])).toEqual([['web.ns.svc', '10.0.0.1']]);
    client.close();
    expect(server.stats()).toMatchObject({ queries: 2, askedCluster: 2, clusterStreamsOpened: 1 });
  });

  it('reports a port in use as KT_PORT_IN_USE', async () => {
    const taken = createSocket('udp4');
    await new Promise<void>((resolve) => taken.bind(0, '127.0.0.1', resolve));
    try {
      await expect(start(taken.address().port)).rejects.toMatchObject({ code: 'KT_PORT_IN_USE' });
    } finally {
      taken.close();
    }
  });

  it('closes at once even while a client keeps a TCP connection open', async () => {
    server = await start();
    const client = tcpClient(server.port);
    await client.query({ name: 'web', type: Packet.TYPE.A });
    const started = performance.now();
    await server.close();
    server = undefined;
    expect(performance.now() - started).toBeLessThan(1_000);
    client.close();
  });

  it('answers FORMERR to a message without a question', async () => {
    server = await start();
    const socket = createSocket('udp4');
    const query = new Packet();
    query.header.id = 7;
    const reply = await new Promise<Packet>((resolve) => {
      socket.once('message', (message) => resolve(Packet.parse(message)));
      socket.send(query.toBuffer(), server!.port, '127.0.0.1');
    });
    socket.close();
    expect(reply.header.rcode).toBe(Packet.RCODE.FORMERR);
  });
});
