// TCP headers (RFC 9293 §3.1): parsing with checksum verification, and building whole IP packets.
import { finish, fold, sum16, verifies } from './checksum.js';
import { type IpPacket, ipHeaderLength, PROTO_TCP, pseudoHeaderSum, writeIpHeader } from './ip.js';

export const FIN = 0x01;
export const SYN = 0x02;
export const RST = 0x04;
export const PSH = 0x08;
export const ACK = 0x10;

const TCP_HEADER = 20;
const OPT_MSS = 2;
const OPT_WSCALE = 3;
const OPT_SACK_PERMITTED = 4;
const OPT_SACK = 5;

export interface TcpSegment {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: number;
  window: number;
  /** A view into the input packet: copy what is kept. */
  data: Buffer;
  mss?: number;
  wscale?: number;
  /** The SYN offered selective acknowledgements (RFC 2018). */
  sackPermitted?: boolean;
  /** SACK blocks [start, end) of an ACK. */
  sack?: [number, number][];
}

/** The segment, or the reason it is dropped. */
export function parseTcp(ip: IpPacket): TcpSegment | string {
  const tcp = ip.payload;
  if (tcp.length < TCP_HEADER) return 'short TCP header';
  const dataOffset = (tcp[12]! >> 4) * 4;
  if (dataOffset < TCP_HEADER || dataOffset > tcp.length) return 'bad TCP data offset';
  const sum = pseudoHeaderSum(ip.src, ip.dst, PROTO_TCP, tcp.length) + sum16(tcp, 0, tcp.length);
  if (!verifies(sum)) return 'bad TCP checksum';
  const segment: TcpSegment = {
    srcPort: tcp.readUInt16BE(0),
    dstPort: tcp.readUInt16BE(2),
    seq: tcp.readUInt32BE(4),
    ack: tcp.readUInt32BE(8),
    flags: tcp[13]!,
    window: tcp.readUInt16BE(14),
    data: tcp.subarray(dataOffset),
  };
  if (dataOffset > TCP_HEADER) parseOptions(tcp, dataOffset, segment);
  return segment;
}

function parseOptions(tcp: Buffer, end: number, segment: TcpSegment): void {
  for (let at = TCP_HEADER; at < end;) {
    const kind = tcp[at]!;
    if (kind === 0) return;
    if (kind === 1) {
      at++;
      continue;
    }
    const length = tcp[at + 1] ?? 0;
    if (length < 2 || at + length > end) return;
    if (kind === OPT_MSS && length === 4) segment.mss = tcp.readUInt16BE(at + 2);
    if (kind === OPT_WSCALE && length === 3) segment.wscale = Math.min(tcp[at + 2]!, 14);
    if (kind === OPT_SACK_PERMITTED && length === 2) segment.sackPermitted = true;
    if (kind === OPT_SACK && length >= 10 && (length - 2) % 8 === 0) {
      segment.sack = [];
      for (let b = at + 2; b < at + length; b += 8) segment.sack.push([tcp.readUInt32BE(b), tcp.readUInt32BE(b + 4)]);
    }
    at += length;
  }
}

/** One direction of a connection, as the stack sends it: from the cluster address to the laptop. */
export interface TcpFlow {
  src: Buffer;
  dst: Buffer;
  srcPort: number;
  dstPort: number;
}

/** The options of a SYN-ACK: MSS, and window scale and SACK-permitted when the laptop offered them. */
export function synOptions(mss: number, wscale: number | undefined, sackPermitted: boolean): Buffer {
  const bytes = [OPT_MSS, 4, mss >> 8, mss & 0xff];
  if (wscale !== undefined) bytes.push(1, OPT_WSCALE, 3, wscale);
  if (sackPermitted) bytes.push(1, 1, OPT_SACK_PERMITTED, 2);
  return Buffer.from(bytes);
}

/** A SACK option (padded to a multiple of four bytes) for up to three [start, end) sequence ranges. */
export function sackOption(blocks: readonly (readonly [number, number])[]): Buffer {
  const option = Buffer.alloc(4 + 8 * blocks.length);
  option.set([1, 1, OPT_SACK, 2 + 8 * blocks.length]);
  blocks.forEach(([start, end], i) => {
    option.writeUInt32BE(start >>> 0, 4 + 8 * i);
    option.writeUInt32BE(end >>> 0, 8 + 8 * i);
  });
  return option;
}

/**
 * A whole IP packet carrying one TCP segment; `fill` copies `dataLength` bytes of payload in at the given
 * offset, so data is copied once, straight from the send queue into the packet.
 */
export function buildTcp(
  flow: TcpFlow,
  seq: number,
  ack: number,
  flags: number,
  window: number,
  options: Buffer | undefined,
  dataLength: number,
  fill?: (out: Buffer, at: number) => void,
): Buffer {
  const ipLength = ipHeaderLength(flow.src.length === 4 ? 4 : 6);
  const headerLength = TCP_HEADER + (options?.length ?? 0);
  const tcpLength = headerLength + dataLength;
  const out = Buffer.allocUnsafe(ipLength + tcpLength);
  writeIpHeader(out, flow.src, flow.dst, PROTO_TCP, tcpLength);
  const t = ipLength;
  out.writeUInt16BE(flow.srcPort, t);
  out.writeUInt16BE(flow.dstPort, t + 2);
  out.writeUInt32BE(seq >>> 0, t + 4);
  out.writeUInt32BE(ack >>> 0, t + 8);
  out[t + 12] = (headerLength / 4) << 4;
  out[t + 13] = flags;
  out.writeUInt16BE(window, t + 14);
  out.writeUInt32BE(0, t + 16); // checksum and urgent pointer
  if (options) options.copy(out, t + TCP_HEADER);
  if (fill && dataLength > 0) fill(out, t + headerLength);
  const sum = pseudoHeaderSum(flow.src, flow.dst, PROTO_TCP, tcpLength) + sum16(out, t, out.length);
  out.writeUInt16BE(finish(fold(sum)), t + 16);
  return out;
}
