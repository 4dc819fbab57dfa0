import type { Duplex } from 'node:stream';
import type { Logger, Teardown } from '@ktctl/plugin-api';
import type { NetSession, TunDevice } from '@ktctl/netplatform';
import { NetStack, type TcpConnection } from '@ktctl/netstack';
import { splice, UdpRelayClient, type DatagramChannel, type TunnelStatus } from '@ktctl/tunnel';
import { routeCommand, tunAddress } from './tun-address.js';

/** The TUN device's name where the OS lets us choose it (Linux). */
export const TUN_NAME = 'kt0';
/**
 * A large MTU: nothing but our own stack is on the other side of the device, so the kernel may hand over
 * whole 64 KB segments (one read, one checksum pass, one tunnel write each) instead of 1500-byte ones.
 */
export const TUN_MTU = 65_000;
/**
 * Bytes of cluster data each connection may hold unacknowledged by the laptop. The laptop is microseconds
 * away, so a small buffer keeps it busy; a big one (the stack's default 4 MiB) kept tunnel chunks alive long
 * enough to reach V8's old space: measured over 3 × 256 MiB downloads, 80–105 full GCs and ~240 CPU ticks per
 * 256 MiB at 4 MiB, 1 full GC and ~130 ticks at 256 KiB (as few as sshuttle mode), with higher throughput.
 */
const TUN_SEND_BUFFER = 256 * 1024;
/**
 * The same for the laptop's data waiting for the tunnel (the window the laptop sees). 128 MiB echoed
 * through the pod: 4 MiB gave 71 full GCs and ~235 ticks per 128 MiB; 512 KiB 1 full GC, ~140 ticks and
 * the best throughput; 256 KiB starts to cap the upload window.
 */
const TUN_RECEIVE_BUFFER = 512 * 1024;
/** What tun2socks mode set up. */
export interface TunSetup {
  readonly device: string;
  readonly address: string;
  /** The routes through the device; empty with --disableTunRoute. */
  readonly routes: readonly string[];
}

/** What the stack needs of the tunnel (a MuxPool). */
export interface TunnelLink {
  readonly status: TunnelStatus;
  dial(target: { host: string; port: number }): Promise<Duplex>;
  datagramChannel(): Promise<DatagramChannel>;
}

export interface TunContext {
  readonly session: NetSession;
  readonly pool: TunnelLink;
  readonly targets: { readonly cidrs: readonly string[]; readonly excludes: readonly string[] };
  readonly disableTunRoute: boolean;
  readonly os: NodeJS.Platform;
  readonly teardown: Teardown;
  readonly logger: Logger;
}

/**
 * tun2socks mode: a TUN device whose packets feed a userspace TCP/IP stack. Each TCP connection it
 * accepts becomes a tunnel stream (accepted only once the far end answered, so a closed port is refused at
 * once), each UDP datagram goes through the agent's UDP relay, and pings are answered while the tunnel is
 * up. Routes for the cluster ranges go through the device unless --disableTunRoute.
 */
export async function routeThroughTun(ctx: TunContext): Promise<TunSetup> {
  const tun = ctx.session.tun;
  if (!tun) throw new Error('this platform has no TUN device (checked before; a bug if seen)');
  const address = tunAddress([...ctx.targets.cidrs, ...ctx.targets.excludes]);
  const device = await tun.create({ name: TUN_NAME, address: `${address}/32`, mtu: TUN_MTU });
  ctx.teardown.defer(`TUN device ${device.name}`, () => device.close());
  const stack = startStack(device, ctx);
  device.onPacket((packet) => stack.input(packet));
  const routes = await addRoutes(device.name, address, ctx);
  ctx.logger.debug(`tun2socks: ${device.name} (${address}, MTU ${device.mtu}) carries ${routes.length ? routes.join(', ') : 'no routes'}`);
  return { device: device.name, address, routes };
}

function startStack(device: TunDevice, ctx: TunContext): NetStack {
  const { pool, logger } = ctx;
  let writeFailures = 0;
  const relay = new UdpRelayClient({
    openChannel: () => pool.datagramChannel(),
    onDatagram: (datagram) => stack.sendUdp(datagram),
    logger,
  });
  const stack: NetStack = new NetStack({
    mtu: device.mtu,
    sendBuffer: TUN_SEND_BUFFER,
    receiveBuffer: TUN_RECEIVE_BUFFER,
    output(packet) {
      try {
        device.write(packet);
      } catch (error) {
        // A full device queue or a device going away: the packet is lost, as on a wire; TCP resends.
        if (writeFailures++ % 1000 === 0) logger.debug(`tun2socks: ${(error as Error).message} (${writeFailures} so far)`);
      }
    },
    onTcpConnection: (connection) => void bridgeTcp(connection, pool, logger),
    onUdpDatagram: (datagram) => relay.send(datagram.source, datagram.destination, datagram.payload),
    // No ICMP crosses the tunnel: a ping says whether the tunnel is up, at once, rather than timing out.
    icmpEcho: () => (pool.status === 'connected' || pool.status === 'degraded' ? 'reply' : 'unreachable'),
    log: (message) => logger.debug(`netstack: ${message}`),
  });
  ctx.teardown.defer('UDP relay', () => relay.close());
  ctx.teardown.defer('userspace network stack', () => stack.close());
  return stack;
}

/** Dials the far end first: the laptop's SYN is answered only when the cluster accepted, else refused. */
async function bridgeTcp(connection: TcpConnection, pool: TunnelLink, logger: Logger): Promise<void> {
  const { address, port } = connection.destination;
  let remote;
  try {
    remote = await pool.dial({ host: address, port });
  } catch (error) {
    logger.debug(`tun2socks: ${address}:${port}: ${(error as Error).message}`);
    connection.refuse();
    return;
  }
  if (connection.destroyed) return void remote.destroy();
  connection.on('error', (error: Error) => logger.debug(`tun2socks: ${address}:${port}: ${error.message}`));
  connection.accept();
  splice(connection, remote);
}

async function addRoutes(device: string, address: string, ctx: TunContext): Promise<string[]> {
  const { cidrs } = ctx.targets;
  if (ctx.disableTunRoute) {
    const commands = cidrs.map((cidr) => routeCommand(ctx.os, cidr, device, address));
    ctx.logger.info(
      `--disableTunRoute: ${device} is up, but nothing is routed through it. To reach the cluster, run:\n  ${commands.join('\n  ')}`,
    );
    return [];
  }
  for (const cidr of cidrs) await ctx.session.routes.add({ cidr, device });
  return [...cidrs];
}
