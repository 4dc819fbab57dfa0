/**
 * The process e2e/tests/netplatform drives: it runs the Linux platform for real inside the test's own
 * network namespace (and private mount namespace), and reports on stdout as JSON lines. It lives here, not
 * in e2e/, because only the app may import netplatform-<os>; the tests spawn it by path.
 *
 *   node --import tsx e2e-subject.ts '<json>'   with action connect | restore-stale | stale-changes
 */
import { createServer, type Socket } from 'node:net';
import { isUserError } from '@ktctl/plugin-api';
import type { HostsEntry, RouteSpec } from '@ktctl/netplatform';
import { createLinuxPlatform } from '../platform.js';
import type { RedirectBackend } from '../redirect.js';

interface SubjectConfig {
  action: 'connect' | 'restore-stale' | 'stale-changes';
  /** Where the redirect listener listens: 127.0.0.1, or 0.0.0.0 for forwarded traffic. */
  listenHost?: string;
  ktHome: string;
  resolvConfPath?: string;
  hostsPath?: string;
  backend?: RedirectBackend;
  routes?: RouteSpec[];
  dns?: { nameservers: string[]; searchDomains?: string[] };
  hosts?: HostsEntry[];
  redirect?: { cidrs: string[]; excludes: string[]; includeForwarded?: boolean };
  loopbackDnsPort?: number;
  /** A TUN device to create before the routes; UDP datagrams read from it are answered with `pong:`. */
  tun?: { name?: string; address: string };
}

const say = (event: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(event)}\n`);

async function main(config: SubjectConfig): Promise<void> {
  const platform = createLinuxPlatform({
    ktHome: config.ktHome,
    ...(config.resolvConfPath ? { resolvConfPath: config.resolvConfPath } : {}),
    ...(config.hostsPath ? { hostsPath: config.hostsPath } : {}),
    ...(config.backend ? { redirectBackend: config.backend } : {}),
  });
  if (config.action === 'restore-stale') {
    say({ event: 'restored', report: await platform.restoreStale() });
    return;
  }
  if (config.action === 'stale-changes') {
    say({ event: 'stale', runs: await platform.staleChanges() });
    return;
  }
  const lock = await platform.acquireInstance('connect');
  const session = await platform.openSession({ command: 'connect' });
  const listener = createServer((socket: Socket) => {
    let original: unknown;
    try {
      original = session.redirect!.originalDestination(socket);
    } catch (error) {
      original = { error: (error as Error).message };
    }
    say({ event: 'accepted', original });
    socket.end(`${JSON.stringify(original)}\n`);
  });
  await new Promise<void>((resolve) => listener.listen(0, config.listenHost ?? '127.0.0.1', resolve));
  const port = (listener.address() as { port: number }).port;
  try {
    if (config.redirect) await session.redirect!.redirectTcp({ ...config.redirect, toPort: port });
    if (config.loopbackDnsPort) await session.redirect!.redirectLoopbackDns(config.loopbackDnsPort);
    if (config.tun) {
      const device = await session.tun!.create(config.tun);
      device.onPacket((packet) => {
        const udp = parseUdp(packet);
        if (!udp) return;
        say({ event: 'packet', ...udp, payload: udp.payload.toString() });
        device.write(udpPacket(udp.dst, udp.dport, udp.src, udp.sport, Buffer.concat([Buffer.from('pong:'), udp.payload])));
      });
    }
    for (const route of config.routes ?? []) await session.routes.add(route);
    if (config.dns) await session.dns.apply(config.dns);
    if (config.hosts) await session.hosts.setBlock(config.hosts);
  } catch (error) {
    // As the app does: a failed start undoes what it already changed.
    listener.close();
    await session.close();
    await lock.release();
    throw error;
  }
  const stop = async () => {
    listener.close();
    await session.close();
    await lock.release();
    say({ event: 'closed' });
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  say({ event: 'ready', pid: process.pid, port, dnsBackend: await session.dns.backend(), redirectBackend: session.redirect!.backend });
}

interface Udp {
  src: string;
  dst: string;
  sport: number;
  dport: number;
  payload: Buffer;
}

/** An IPv4 UDP packet's addresses, ports and payload; undefined for anything else. */
function parseUdp(packet: Buffer): Udp | undefined {
  if (packet.length < 28 || packet[0]! >> 4 !== 4 || packet[9] !== 17) return undefined;
  const ihl = (packet[0]! & 0x0f) * 4;
  const ip = (at: number) => [...packet.subarray(at, at + 4)].join('.');
  return {
    src: ip(12),
    dst: ip(16),
    sport: packet.readUInt16BE(ihl),
    dport: packet.readUInt16BE(ihl + 2),
    payload: packet.subarray(ihl + 8, packet.readUInt16BE(2)),
  };
}

/** An IPv4 UDP packet with a correct header checksum (UDP checksum 0: none, allowed over IPv4). */
function udpPacket(src: string, sport: number, dst: string, dport: number, payload: Buffer): Buffer {
  const packet = Buffer.alloc(28 + payload.length);
  packet.writeUInt8(0x45, 0);
  packet.writeUInt16BE(packet.length, 2);
  packet.writeUInt8(64, 8);
  packet.writeUInt8(17, 9);
  Buffer.from(src.split('.').map(Number)).copy(packet, 12);
  Buffer.from(dst.split('.').map(Number)).copy(packet, 16);
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += packet.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  packet.writeUInt16BE(~sum & 0xffff, 10);
  packet.writeUInt16BE(sport, 20);
  packet.writeUInt16BE(dport, 22);
  packet.writeUInt16BE(8 + payload.length, 24);
  payload.copy(packet, 28);
  return packet;
}

main(JSON.parse(process.argv[2] ?? '{}') as SubjectConfig).catch((error: unknown) => {
  say({ event: 'error', code: isUserError(error) ? error.code : 'BUG', message: (error as Error).message });
  process.exit(3);
});
