/** The UDP relay subsystem against a real UDP echo server, through a real SSH connection. */
import { createSocket, type Socket } from 'node:dgram';
import type { ClientChannel } from 'ssh2';
import type ssh2 from 'ssh2';
import { encodeFrame, FrameDecoder, FrameKind, UDP_RELAY_SUBSYSTEM, type RelayFrame } from '@ktctl/agent-contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnAgent, type AgentProcess } from './support/agent.js';
import { freePort } from '@ktctl/testkit';
import { connectClient, openSubsystem } from './support/ssh-client.js';

let agent: AgentProcess;
let client: ssh2.Client;
let echo: Socket;
let echoPort: number;
const seenSources = new Set<string>();

beforeAll(async () => {
  agent = await spawnAgent({ KT_UDP_FLOW_IDLE: '2' }, { dnsPort: await freePort() });
  client = await connectClient(agent);
  echo = createSocket('udp4');
  echo.on('message', (message, rinfo) => {
    seenSources.add(`${rinfo.address}:${rinfo.port}`);
    echo.send(Buffer.concat([Buffer.from('echo:'), message]), rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => echo.bind(0, '127.0.0.1', resolve));
  echoPort = echo.address().port;
});

afterAll(async () => {
  client?.end();
  echo?.close();
  await agent?.stop();
});

/** Collects decoded frames from a relay channel; `next(n)` waits for n more (2 s at most). */
function frames(channel: ClientChannel): { next: (count: number, timeoutMs?: number) => Promise<RelayFrame[]> } {
  const decoder = new FrameDecoder();
  const got: RelayFrame[] = [];
  let wake = (): void => undefined;
  channel.on('data', (chunk: Buffer) => (got.push(...decoder.push(chunk)), wake()));
  return {
    next: (count, timeoutMs = 2_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${got.length} of ${count} frames`)), timeoutMs);
        wake = () => got.length >= count && (clearTimeout(timer), resolve(got.splice(0, count)));
        wake();
      }),
  };
}

describe('UDP relay', () => {
  it('relays datagrams out and replies back, per flow, with their source', async () => {
    const channel = await openSubsystem(client, UDP_RELAY_SUBSYSTEM);
    const received = frames(channel);
    channel.write(encodeFrame({ kind: FrameKind.Datagram, flow: 1, address: '127.0.0.1', port: echoPort, payload: Buffer.from('one') }));
    channel.write(encodeFrame({ kind: FrameKind.Datagram, flow: 2, address: '127.0.0.1', port: echoPort, payload: Buffer.from('two') }));
    const replies = await received.next(2);
    const byFlow = new Map(replies.map((f) => [f.flow, f]));
    expect(byFlow.get(1)).toMatchObject({
      kind: FrameKind.Datagram,
      address: '127.0.0.1',
      port: echoPort,
      payload: Buffer.from('echo:one'),
    });
    expect(byFlow.get(2)).toMatchObject({
      kind: FrameKind.Datagram,
      address: '127.0.0.1',
      port: echoPort,
      payload: Buffer.from('echo:two'),
    });
    // Each flow is its own socket in the pod, like a NAT mapping per laptop socket.
    expect(seenSources.size).toBe(2);
    channel.close();
  });

  it('closes an idle flow and tells the laptop', async () => {
    const channel = await openSubsystem(client, UDP_RELAY_SUBSYSTEM);
    const received = frames(channel);
    channel.write(encodeFrame({ kind: FrameKind.Datagram, flow: 7, address: '127.0.0.1', port: echoPort, payload: Buffer.from('x') }));
    expect((await received.next(1))[0]).toMatchObject({ kind: FrameKind.Datagram, flow: 7 });
    const [closed] = await received.next(1, 6_000);
    expect(closed).toEqual({ kind: FrameKind.CloseFlow, flow: 7 });
    channel.close();
  }, 15_000);

  it('closes the channel on a malformed frame', async () => {
    const channel = await openSubsystem(client, UDP_RELAY_SUBSYSTEM);
    const closed = new Promise<void>((resolve) => channel.on('close', resolve));
    channel.resume();
    channel.write(Buffer.from('00050900000001', 'hex'));
    await closed;
  });

  it('refuses other subsystems', async () => {
    await expect(openSubsystem(client, 'sftp')).rejects.toThrow();
  });
});
