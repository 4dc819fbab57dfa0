// The stack: takes IP packets from the device, keeps the TCP connections, answers UDP and ICMP.
import { randomBytes } from 'node:crypto';
import { formatIPv4, formatIPv6, parseAddress } from './address.js';
import { finish, sum16, verifies } from './checksum.js';
import { Reassembler } from './fragments.js';
import {
  type IpPacket,
  ipHeaderLength,
  parseIp,
  PROTO_ICMP,
  PROTO_ICMPV6,
  PROTO_TCP,
  PROTO_UDP,
  pseudoHeaderSum,
  writeIpHeader,
  fragmentId,
} from './ip.js';
import { type ConnectionHost, StackTcpConnection } from './tcp-connection.js';
import { ACK, buildTcp, parseTcp, RST, SYN, FIN, type TcpSegment } from './tcp-segment.js';
import type { Endpoint, StackClock, StackOptions, StackStats, TcpConnection, UdpDatagram } from './types.js';

const MIB = 1024 * 1024;
const UDP_HEADER = 8;

/** Real timers that do not keep the process alive by themselves. */
export const realClock: StackClock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export class NetStack {
  readonly stats: StackStats = { tcpActive: 0, tcpTotal: 0, packetsIn: 0, packetsOut: 0, dropped: 0, retransmits: 0, reassembled: 0 };
  private readonly connections = new Map<string, StackTcpConnection>();
  private readonly clock: StackClock;
  private readonly mtu: number;
  private readonly reassembler: Reassembler;
  private closed = false;
  /** The connection of the previous segment: bulk transfers skip the key and the map lookup. */
  private lastConnection: StackTcpConnection | undefined;

  constructor(private readonly options: StackOptions) {
    this.clock = options.clock ?? realClock;
    this.mtu = Math.max(576, Math.min(65535, Math.floor(options.mtu)));
    this.reassembler = new Reassembler(this.clock, { maxDatagrams: 64, timeoutMs: 10_000 }, (reason) => this.drop(reason));
  }

  /** One IP packet read from the device; nothing of it is kept after this returns. */
  input(packet: Buffer): void {
    if (this.closed) return;
    this.stats.packetsIn++;
    const ip = parseIp(packet);
    if (typeof ip === 'string') return this.drop(ip);
    if (ip.fragment) {
      const { id, offset, more } = ip.fragment;
      const key = `${ip.version}|${ip.src.toString('hex')}|${ip.dst.toString('hex')}|${ip.protocol}|${id}`;
      const whole = this.reassembler.add(key, offset, more, ip.payload);
      if (!whole) return;
      this.stats.reassembled++;
      ip.payload = whole;
      delete ip.fragment;
    }
    if (ip.protocol === PROTO_TCP) return this.tcp(ip);
    if (ip.protocol === PROTO_UDP) return this.udp(ip);
    if (ip.protocol === PROTO_ICMP && ip.version === 4) return this.icmp(ip);
    if (ip.protocol === PROTO_ICMPV6 && ip.version === 6) return this.icmp(ip);
    this.drop(`IP protocol ${ip.protocol}`);
  }

  /** A UDP datagram towards the laptop (source: the cluster endpoint, destination: the laptop's). */
  sendUdp(datagram: UdpDatagram): void {
    if (this.closed) return;
    const src = parseAddress(datagram.source.address);
    const dst = parseAddress(datagram.destination.address);
    if (src.length !== dst.length)
      throw new Error(`UDP from ${datagram.source.address} to ${datagram.destination.address}: mixed IP versions`);
    const length = UDP_HEADER + datagram.payload.length;
    if (length > 0xffff - ipHeaderLength(src.length === 4 ? 4 : 6))
      return this.drop(`UDP reply of ${datagram.payload.length} bytes is too large`);
    const udp = Buffer.allocUnsafe(length);
    udp.writeUInt16BE(datagram.source.port, 0);
    udp.writeUInt16BE(datagram.destination.port, 2);
    udp.writeUInt16BE(length, 4);
    udp.writeUInt16BE(0, 6);
    datagram.payload.copy(udp, UDP_HEADER);
    const checksum = finish(pseudoHeaderSum(src, dst, PROTO_UDP, length) + sum16(udp, 0, length));
    udp.writeUInt16BE(checksum === 0 ? 0xffff : checksum, 6);
    this.sendIp(src, dst, PROTO_UDP, udp);
  }

  /** Resets every connection (RST) and stops every timer. */
  close(): void {
    if (this.closed) return;
    for (const connection of [...this.connections.values()]) connection.reset('the stack closed');
    this.reassembler.clear();
    this.closed = true;
  }

  private tcp(ip: IpPacket): void {
    const seg = parseTcp(ip);
    if (typeof seg === 'string') return this.drop(seg);
    const isSyn = (seg.flags & (SYN | ACK | RST)) === SYN;
    const last = this.lastConnection;
    if (!isSyn && last && last.matches(ip.src, seg.srcPort, ip.dst, seg.dstPort)) return last.segment(seg);
    const key = `${addressKey(ip.src)}:${seg.srcPort}>${addressKey(ip.dst)}:${seg.dstPort}`;
    const existing = this.connections.get(key);
    if (existing && !(isSyn && existing.state === 'TIME_WAIT')) {
      this.lastConnection = existing;
      return existing.segment(seg);
    }
    existing?.reset('a new connection reuses its ports');
    if (isSyn) return this.accepting(ip, seg, key);
    if (!(seg.flags & RST)) this.refuseSegment(ip, seg);
  }

  private accepting(ip: IpPacket, syn: TcpSegment, key: string): void {
    if (this.connections.size >= (this.options.maxConnections ?? 16_384)) {
      this.drop(`SYN refused: ${this.connections.size} connections already`);
      return this.refuseSegment(ip, syn);
    }
    const flow = { src: Buffer.from(ip.dst), dst: Buffer.from(ip.src), srcPort: syn.dstPort, dstPort: syn.srcPort };
    const source: Endpoint = { address: formatAddress(ip.src), port: syn.srcPort };
    const destination: Endpoint = { address: formatAddress(ip.dst), port: syn.dstPort };
    const host: ConnectionHost = {
      clock: this.clock,
      stats: this.stats,
      send: (packet) => this.send(packet),
      log: (message) => this.options.log?.(message),
      release: (connection) => {
        if (this.connections.get(key) === connection) this.connections.delete(key);
        if (this.lastConnection === connection) this.lastConnection = undefined;
        this.stats.tcpActive--;
      },
    };
    const connection = new StackTcpConnection(host, flow, source, destination, syn, {
      mss: Math.min(0xffff, this.mtu - ipHeaderLength(ip.version) - 20),
      receiveBuffer: this.options.receiveBuffer ?? 4 * MIB,
      sendBuffer: this.options.sendBuffer ?? 4 * MIB,
      iss: this.options.initialSequence?.() ?? randomBytes(4).readUInt32BE(0),
      acceptTimeoutMs: this.options.acceptTimeoutMs ?? 60_000,
      timeWaitMs: this.options.timeWaitMs ?? 2000,
    });
    this.connections.set(key, connection);
    this.stats.tcpTotal++;
    this.stats.tcpActive++;
    this.options.onTcpConnection(connection as TcpConnection);
  }

  /** Answers a segment of no known connection with a RST (RFC 9293 §3.10.7.1). */
  private refuseSegment(ip: IpPacket, seg: TcpSegment): void {
    const flow = { src: ip.dst, dst: ip.src, srcPort: seg.dstPort, dstPort: seg.srcPort };
    if (seg.flags & ACK) return this.send(buildTcp(flow, seg.ack, 0, RST, 0, undefined, 0));
    const length = seg.data.length + (seg.flags & SYN ? 1 : 0) + (seg.flags & FIN ? 1 : 0);
    this.send(buildTcp(flow, 0, (seg.seq + length) >>> 0, RST | ACK, 0, undefined, 0));
  }

  private udp(ip: IpPacket): void {
    const udp = ip.payload;
    if (udp.length < UDP_HEADER) return this.drop('short UDP header');
    const length = udp.readUInt16BE(4);
    if (length < UDP_HEADER || length > udp.length) return this.drop('bad UDP length');
    const checksum = udp.readUInt16BE(6);
    if (checksum === 0 && ip.version === 6) return this.drop('IPv6 UDP without checksum');
    if (checksum !== 0 && !verifies(pseudoHeaderSum(ip.src, ip.dst, PROTO_UDP, length) + sum16(udp, 0, length))) {
      return this.drop('bad UDP checksum');
    }
    const handler = this.options.onUdpDatagram;
    if (!handler) return this.drop('UDP not handled');
    handler({
      source: { address: formatAddress(ip.src), port: udp.readUInt16BE(0) },
      destination: { address: formatAddress(ip.dst), port: udp.readUInt16BE(2) },
      payload: Buffer.from(udp.subarray(UDP_HEADER, length)),
    });
  }

  private icmp(ip: IpPacket): void {
    const message = ip.payload;
    const v4 = ip.version === 4;
    if (message.length < 8) return this.drop('short ICMP message');
    const pseudo = v4 ? 0 : pseudoHeaderSum(ip.src, ip.dst, PROTO_ICMPV6, message.length);
    if (!verifies(pseudo + sum16(message, 0, message.length))) return this.drop('bad ICMP checksum');
    if (message[0] !== (v4 ? 8 : 128)) return this.drop(`ICMP type ${message[0]}`);
    const action = this.options.icmpEcho?.(formatAddress(ip.dst)) ?? 'unreachable';
    if (action === 'drop') return this.drop('ICMP echo dropped by policy');
    let reply: Buffer;
    if (action === 'reply') {
      reply = Buffer.from(message);
      reply[0] = v4 ? 0 : 129;
    } else {
      // Destination unreachable, communication administratively prohibited, quoting the request.
      const quote = ip.raw.subarray(0, v4 ? 548 : 1232);
      reply = Buffer.alloc(8 + quote.length);
      reply[0] = v4 ? 3 : 1;
      reply[1] = v4 ? 13 : 1;
      quote.copy(reply, 8);
    }
    reply.writeUInt16BE(0, 2);
    const sum = (v4 ? 0 : pseudoHeaderSum(ip.dst, ip.src, PROTO_ICMPV6, reply.length)) + sum16(reply, 0, reply.length);
    reply.writeUInt16BE(finish(sum), 2);
    this.sendIp(ip.dst, ip.src, v4 ? PROTO_ICMP : PROTO_ICMPV6, reply);
  }

  /** Sends a transport payload, splitting an IPv4 datagram larger than the MTU into fragments. */
  private sendIp(src: Buffer, dst: Buffer, protocol: number, payload: Buffer): void {
    const headerLength = ipHeaderLength(src.length === 4 ? 4 : 6);
    if (headerLength + payload.length <= this.mtu) {
      const packet = Buffer.allocUnsafe(headerLength + payload.length);
      writeIpHeader(packet, src, dst, protocol, payload.length);
      payload.copy(packet, headerLength);
      return this.send(packet);
    }
    if (src.length !== 4) return this.drop(`IPv6 datagram of ${payload.length} bytes exceeds the MTU`);
    const step = Math.floor((this.mtu - headerLength) / 8) * 8;
    const id = fragmentId();
    for (let offset = 0; offset < payload.length; offset += step) {
      const piece = payload.subarray(offset, offset + step);
      const packet = Buffer.allocUnsafe(headerLength + piece.length);
      writeIpHeader(packet, src, dst, protocol, piece.length, { id, offset, more: offset + step < payload.length });
      piece.copy(packet, headerLength);
      this.send(packet);
    }
  }

  private send(packet: Buffer): void {
    this.stats.packetsOut++;
    this.options.output(packet);
  }

  private drop(reason: string): void {
    this.stats.dropped++;
    this.options.log?.(`dropped: ${reason}`);
  }
}

function addressKey(address: Buffer): string {
  return address.length === 4 ? String(address.readUInt32BE(0)) : address.toString('hex');
}

function formatAddress(address: Buffer): string {
  return address.length === 4 ? formatIPv4(address, 0) : formatIPv6(address, 0);
}
