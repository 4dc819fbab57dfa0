// tun2socks' wiring on byte buffers: the real stack behind a device whose packets the test writes and reads
// (what the laptop's kernel would do), and a tunnel whose dials are real TCP connections on loopback.
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { NetSession, RouteSpec, TunDevice, TunOptions } from '@ktctl/netplatform';
import type { Logger } from '@ktctl/plugin-api';
import { echoRequest, parsePacket, TCP_FLAGS, tcpPacket, type ParsedPacket } from '@ktctl/netstack/testing';
import type { TunnelStatus } from '@ktctl/tunnel';
import { Teardown } from '@ktctl/plugin-api';
import { routeThroughTun, type TunnelLink } from './tun2socks.js';

const LAPTOP = '198.18.0.1';
const silent: Logger = {
  level: 'silent',
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
} as unknown as Logger;

let echo: Server;
let echoPort: number;
let teardown: Teardown;

beforeAll(async () => {
  echo = createServer((socket) => socket.pipe(socket));
  echo.listen(0, '127.0.0.1');
  await once(echo, 'listening');
  echoPort = (echo.address() as AddressInfo).port;
});
afterAll(() => echo.close());
afterEach(async () => {
  await teardown?.run();
});

/** A device whose packets the test injects (`input`) and collects (`sent`). */
function fakeDevice(options: TunOptions) {
  const sent: ParsedPacket[] = [];
  let listener: (packet: Buffer) => void = () => undefined;
  const device: TunDevice & { sent: ParsedPacket[]; input(packet: Buffer): void; closed: boolean } = {
    name: options.name ?? 'kt0',
    mtu: options.mtu ?? 1500,
    sent,
    closed: false,
    onPacket: (l) => (listener = l),
    write: (packet) => void sent.push(parsePacket(packet)),
    input: (packet) => listener(packet),
    close: async () => void (device.closed = true),
  };
  return device;
}

/** Every cluster address is the loopback echo server; port 1 is closed. */
function loopbackTunnel(status: TunnelStatus = 'connected'): TunnelLink & { dials: string[] } {
  const dials: string[] = [];
  return {
    status,
    dials,
    async dial({ host, port }): Promise<Duplex> {
      dials.push(`${host}:${port}`);
      if (port === 1) throw new Error('connection refused');
      const socket = connect({ host: '127.0.0.1', port: echoPort });
      await once(socket, 'connect');
      return socket;
    },
    datagramChannel: () => Promise.reject(new Error('no relay in this test')),
  };
}

async function start(options: { disableTunRoute?: boolean; status?: TunnelStatus } = {}) {
  teardown = new Teardown();
  const routes: RouteSpec[] = [];
  let device: ReturnType<typeof fakeDevice> | undefined;
  const session = {
    tun: { create: async (o: TunOptions) => (device = fakeDevice(o)) },
    routes: { add: async (r: RouteSpec) => void routes.push(r), remove: async () => undefined },
  } as unknown as NetSession;
  const pool = loopbackTunnel(options.status);
  const infos: string[] = [];
  const logger = { ...silent, info: (m: string) => void infos.push(m) } as Logger;
  const setup = await routeThroughTun({
    session,
    pool,
    targets: { cidrs: ['10.96.0.0/16', '10.244.0.0/24'], excludes: ['10.201.0.1/32'] },
    disableTunRoute: options.disableTunRoute ?? false,
    os: 'linux',
    teardown,
    logger,
  });
  return { setup, routes, device: device!, pool, infos };
}

const syn = (port: number) =>
  tcpPacket({
    src: LAPTOP,
    dst: '10.96.0.20',
    srcPort: 40000 + port,
    dstPort: port,
    seq: 1000,
    flags: TCP_FLAGS.SYN,
    mss: 1460,
    window: 65535,
  });

async function until(what: () => boolean, ms = 2000): Promise<void> {
  for (const deadline = Date.now() + ms; !what(); await sleep(10)) if (Date.now() > deadline) throw new Error('condition not met in time');
}

describe('routeThroughTun', () => {
  it('makes kt0 with a /32 and a large MTU, and routes the cluster ranges through it', async () => {
    const { setup, routes, device } = await start();
    expect(setup).toEqual({ device: 'kt0', address: '198.18.0.1', routes: ['10.96.0.0/16', '10.244.0.0/24'] });
    expect(device.mtu).toBe(65_000);
    expect(routes).toEqual([
      { cidr: '10.96.0.0/16', device: 'kt0' },
      { cidr: '10.244.0.0/24', device: 'kt0' },
    ]);
  });

  it('with --disableTunRoute adds no route and prints the ones to add', async () => {
    const { setup, routes, infos } = await start({ disableTunRoute: true });
    expect(setup.routes).toEqual([]);
    expect(routes).toEqual([]);
    expect(infos.join('\n')).toContain('sudo ip route add 10.96.0.0/16 dev kt0\n  sudo ip route add 10.244.0.0/24 dev kt0');
  });

  it('answers a SYN only once the tunnel dial succeeded, then carries the bytes', async () => {
    const { device, pool } = await start();
    device.input(syn(80));
    await until(() => device.sent.length > 0);
    expect(pool.dials).toEqual(['10.96.0.20:80']);
    const synAck = device.sent.shift()!;
    expect(synAck.tcp!.flags).toBe(TCP_FLAGS.SYN | TCP_FLAGS.ACK);
    const seq = synAck.tcp!.seq + 1;
    const segment = (flags: number, data?: Buffer) =>
      tcpPacket({
        src: LAPTOP,
        dst: '10.96.0.20',
        srcPort: 40080,
        dstPort: 80,
        seq: 1001,
        ack: seq,
        flags,
        window: 65535,
        ...(data ? { data } : {}),
      });
    device.input(segment(TCP_FLAGS.ACK));
    device.input(segment(TCP_FLAGS.ACK | TCP_FLAGS.PSH, Buffer.from('ping')));
    await until(() => device.sent.some((p) => p.tcp?.data.toString() === 'ping'));
  });

  it('refuses a SYN at once (RST) when the far end cannot be reached', async () => {
    const { device } = await start();
    device.input(syn(1));
    await until(() => device.sent.length > 0);
    expect(device.sent[0]!.tcp!.flags & TCP_FLAGS.RST).toBeTruthy();
  });

  it('answers pings while the tunnel is up, and says unreachable while it is down', async () => {
    const up = await start();
    up.device.input(echoRequest(LAPTOP, '10.244.0.7', 7, 1, Buffer.from('hi')));
    expect(up.device.sent[0]!.icmp).toMatchObject({ type: 0 });
    await teardown.run();
    const down = await start({ status: 'reconnecting' });
    down.device.input(echoRequest(LAPTOP, '10.244.0.7', 7, 1, Buffer.from('hi')));
    expect(down.device.sent[0]!.icmp).toMatchObject({ type: 3 });
  });

  it('takes everything down: the stack stops answering and the device is closed', async () => {
    const { device } = await start();
    await teardown.run();
    expect(device.closed).toBe(true);
    device.input(syn(80));
    await sleep(20);
    expect(device.sent).toEqual([]);
  });
});
