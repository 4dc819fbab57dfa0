import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import { Packet, type Resource } from 'dns2';
import { afterEach, describe, expect, it } from 'vitest';
import { queryUpstream, UpstreamError } from './upstream.js';

/** A loopback DNS server whose behaviour per received query the test decides. */
async function udpServer(
  reply: (query: Packet, rinfo: RemoteInfo, socket: Socket) => void,
): Promise<{ port: number; socket: Socket; seen: () => number }> {
  const socket = createSocket('udp4');
  let seen = 0;
  socket.on('message', (message, rinfo) => {
    seen++;
    reply(Packet.parse(message), rinfo, socket);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { port: socket.address().port, socket, seen: () => seen };
}

function answer(query: Packet, address: string, tc = false): Buffer {
  const response = Packet.createResponseFromRequest(query);
  const [q] = query.questions;
  response.answers.push({ name: q!.name, type: Packet.TYPE.A, class: Packet.CLASS.IN, ttl: 30, address } as Resource);
  response.header.tc = tc ? 1 : 0;
  return response.toBuffer();
}

const closers: Array<() => void> = [];
afterEach(() => closers.splice(0).forEach((close) => close()));

describe('queryUpstream', () => {
  it('asks over UDP and ignores messages that do not answer the query', async () => {
    const server = await udpServer((query, rinfo, socket) => {
      const stray = Packet.createResponseFromRequest(query);
      stray.header.id = (query.header.id + 1) & 0xffff;
      socket.send(stray.toBuffer(), rinfo.port, rinfo.address);
      socket.send(answer(query, '10.0.0.7'), rinfo.port, rinfo.address);
    });
    closers.push(() => server.socket.close());
    const response = await queryUpstream(
      { host: '127.0.0.1', port: server.port },
      { name: 'web.ns.svc.cluster.local.', type: Packet.TYPE.A },
    );
    expect(response.answers.map((a) => a.address)).toEqual(['10.0.0.7']);
    expect(response.questions[0]?.name).toBe('web.ns.svc.cluster.local');
  });

  it('retries a lost UDP query', async () => {
    const server = await udpServer((query, rinfo, socket) => {
      if (server.seen() > 1) socket.send(answer(query, '10.0.0.8'), rinfo.port, rinfo.address);
    });
    closers.push(() => server.socket.close());
    const response = await queryUpstream(
      { host: '127.0.0.1', port: server.port },
      { name: 'a', type: Packet.TYPE.A },
      { timeoutMs: 100, attempts: 2 },
    );
    expect(response.answers[0]?.address).toBe('10.0.0.8');
  });

  it('fails with UpstreamError when nobody answers', async () => {
    const server = await udpServer(() => undefined);
    closers.push(() => server.socket.close());
    const query = queryUpstream(
      { host: '127.0.0.1', port: server.port },
      { name: 'a', type: Packet.TYPE.A },
      { timeoutMs: 50, attempts: 2 },
    );
    await expect(query).rejects.toThrow(UpstreamError);
    expect(server.seen()).toBe(2);
  });

  it('asks again over TCP when the UDP answer is truncated', async () => {
    const udp = await udpServer((query, rinfo, socket) => socket.send(answer(query, '0.0.0.0', true), rinfo.port, rinfo.address));
    const tcp: Server = createServer((conn) => {
      conn.once('data', (data) => {
        const wire = answer(Packet.parse(data.subarray(2)), '10.0.0.9');
        const length = Buffer.alloc(2);
        length.writeUInt16BE(wire.length);
        conn.end(Buffer.concat([length, wire]));
      });
    });
    await new Promise<void>((resolve) => tcp.listen(udp.port, '127.0.0.1', resolve));
    closers.push(
      () => udp.socket.close(),
      () => tcp.close(),
    );
    const response = await queryUpstream({ host: '127.0.0.1', port: udp.port }, { name: 'big', type: Packet.TYPE.A });
    expect(response.answers[0]?.address).toBe('10.0.0.9');
  });
});
