import { createSocket, type RemoteInfo } from 'node:dgram';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import type { ForwardedStream } from './client.js';
import type { Endpoint } from './payloads.js';
import { MuxStreamError } from './stream.js';
import { readAll, startFixture, tcp, until, type Fixture } from './test-helper.js';
import { ErrorCode } from './wire.js';

let fixture: Fixture;
afterEach(async () => fixture.close());

describe('reverse forwards', () => {
  it('listens on all interfaces; each connection there is a stream to the laptop, half-closes included', async () => {
    fixture = await startFixture();
    const client = await fixture.connect();
    client.on('forward', ({ stream }: ForwardedStream) => {
      readAll(stream).then((data) => stream.end(`laptop got ${data.toString()}`));
    });
    const port = await client.listen(0);
    expect(port).toBeGreaterThan(0);
    const forwarded = once(client, 'forward') as Promise<[ForwardedStream]>;
    const socket = await tcp(port);
    const [info] = await forwarded;
    expect(info.listenPort).toBe(port);
    expect(info.origin).toEqual({ address: '127.0.0.1', port: socket.localPort });
    const answer = readAll(socket);
    socket.end('hello');
    expect((await answer).toString()).toBe('laptop got hello');
  });

  it('reports a port in use, and stops listening on unlisten', async () => {
    fixture = await startFixture();
    const client = await fixture.connect();
    client.on('forward', ({ stream }: ForwardedStream) => stream.end());
    const port = await client.listen(0);
    const error = await client.listen(port).catch((e: MuxStreamError) => e);
    expect((error as MuxStreamError).code).toBe(ErrorCode.AddressInUse);
    client.unlisten(port);
    await new Promise((r) => setTimeout(r, 50));
    const refused = await tcp(port).then(
      () => false,
      (e: NodeJS.ErrnoException) => e.code === 'ECONNREFUSED',
    );
    expect(refused).toBe(true);
  });
});

describe('datagrams', () => {
  it('round-trip through a UDP socket in the pod, with the source of each reply', async () => {
    fixture = await startFixture();
    const echo = createSocket('udp4');
    echo.on('message', (msg: Buffer, from: RemoteInfo) => echo.send(Buffer.concat([Buffer.from('re:'), msg]), from.port, from.address));
    echo.bind(0, '127.0.0.1');
    await once(echo, 'listening');
    const echoPort = echo.address().port;
    try {
      const client = await fixture.connect();
      const replies: Array<{ flow: number; source: Endpoint; data: string }> = [];
      client.on('datagram', (flow: number, source: Endpoint, data: Buffer) => replies.push({ flow, source, data: data.toString() }));
      for (const flow of [1, 2])
        expect(client.sendDatagram(flow, { address: '127.0.0.1', port: echoPort }, Buffer.from(`q${flow}`))).toBe(true);
      await until(() => replies.length === 2, 2_000, 'two replies');
      expect(replies.sort((a, b) => a.flow - b.flow)).toEqual([
        { flow: 1, source: { address: '127.0.0.1', port: echoPort }, data: 're:q1' },
        { flow: 2, source: { address: '127.0.0.1', port: echoPort }, data: 're:q2' },
      ]);
      expect(client.sendDatagram(1, { address: '127.0.0.1', port: echoPort }, Buffer.alloc(80_000))).toBe(false);
    } finally {
      echo.close();
    }
  });

  it('keeps the flow table bounded: flows past the limit are refused with flowClose', async () => {
    fixture = await startFixture({ udp: { maxFlows: 3 } });
    const client = await fixture.connect();
    const refused: number[] = [];
    client.on('flowClose', (flow: number) => refused.push(flow));
    for (let flow = 1; flow <= 5; flow++) client.sendDatagram(flow, { address: '127.0.0.1', port: 9 }, Buffer.from('x'));
    await until(() => refused.length === 2, 2_000, 'two refusals');
    expect(refused).toEqual([4, 5]);
    client.closeFlow(1);
    client.sendDatagram(6, { address: '127.0.0.1', port: 9 }, Buffer.from('x'));
    await new Promise((r) => setTimeout(r, 50));
    expect(refused).toEqual([4, 5]);
  });
});
