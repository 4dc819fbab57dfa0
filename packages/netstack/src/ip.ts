// IPv4 and IPv6 headers: parsing what the device gives us, writing what we give it.
import { finish, sum16, verifies } from './checksum.js';

export const PROTO_ICMP = 1;
export const PROTO_TCP = 6;
export const PROTO_UDP = 17;
export const PROTO_ICMPV6 = 58;

export const IPV4_HEADER = 20;
export const IPV6_HEADER = 40;
const IPV6_FRAGMENT = 44;
/** IPv6 extension headers that are skipped on the way to the transport header. */
const IPV6_SKIPPED = new Set([0, 43, 60]);

export type IpVersion = 4 | 6;

/** One parsed IP packet; every Buffer is a view into the packet given to input(). */
export interface IpPacket {
  version: IpVersion;
  src: Buffer;
  dst: Buffer;
  protocol: number;
  /** Transport header and data. */
  payload: Buffer;
  /** The whole packet, to quote in ICMP errors. */
  raw: Buffer;
  /** Set on a fragment: what reassembly needs. */
  fragment?: { id: number; offset: number; more: boolean };
}

/** The packet, or the reason it is dropped. */
export function parseIp(packet: Buffer): IpPacket | string {
  if (packet.length < 1) return 'empty packet';
  const version = packet[0]! >> 4;
  if (version === 4) return parseIPv4(packet);
  if (version === 6) return parseIPv6(packet);
  return `IP version ${version}`;
}

function parseIPv4(packet: Buffer): IpPacket | string {
  if (packet.length < IPV4_HEADER) return 'short IPv4 header';
  const headerLength = (packet[0]! & 0x0f) * 4;
  const total = packet.readUInt16BE(2);
  if (headerLength < IPV4_HEADER || total < headerLength || total > packet.length) return 'bad IPv4 lengths';
  if (!verifies(sum16(packet, 0, headerLength))) return 'bad IPv4 header checksum';
  const flagsOffset = packet.readUInt16BE(6);
  const more = (flagsOffset & 0x2000) !== 0;
  const offset = (flagsOffset & 0x1fff) * 8;
  const parsed: IpPacket = {
    version: 4,
    src: packet.subarray(12, 16),
    dst: packet.subarray(16, 20),
    protocol: packet[9]!,
    payload: packet.subarray(headerLength, total),
    raw: packet.subarray(0, total),
  };
  if (more || offset > 0) parsed.fragment = { id: packet.readUInt16BE(4), offset, more };
  return parsed;
}

function parseIPv6(packet: Buffer): IpPacket | string {
  if (packet.length < IPV6_HEADER) return 'short IPv6 header';
  const end = IPV6_HEADER + packet.readUInt16BE(4);
  if (end > packet.length) return 'bad IPv6 length';
  let next = packet[6]!;
  let at = IPV6_HEADER;
  let fragment: IpPacket['fragment'];
  while (IPV6_SKIPPED.has(next) || next === IPV6_FRAGMENT) {
    if (at + 8 > end) return 'short IPv6 extension header';
    const following = packet[at]!;
    if (next === IPV6_FRAGMENT) {
      const field = packet.readUInt16BE(at + 2);
      fragment = { id: packet.readUInt32BE(at + 4), offset: field & 0xfff8, more: (field & 1) !== 0 };
      at += 8;
      if (fragment.offset > 0) {
        next = following;
        break;
      } // the rest is data, not headers
    } else {
      at += (packet[at + 1]! + 1) * 8;
    }
    next = following;
  }
  if (at > end) return 'bad IPv6 extension header';
  const parsed: IpPacket = {
    version: 6,
    src: packet.subarray(8, 24),
    dst: packet.subarray(24, 40),
    protocol: next,
    payload: packet.subarray(at, end),
    raw: packet.subarray(0, end),
  };
  if (fragment && (fragment.more || fragment.offset > 0)) parsed.fragment = fragment;
  return parsed;
}

export const ipHeaderLength = (version: IpVersion): number => (version === 4 ? IPV4_HEADER : IPV6_HEADER);

/** The unfolded sum of the transport pseudo-header (RFC 793 §3.1, RFC 8200 §8.1). */
export function pseudoHeaderSum(src: Buffer, dst: Buffer, protocol: number, length: number): number {
  return sum16(src, 0, src.length) + sum16(dst, 0, dst.length) + protocol + (length >>> 16) + (length & 0xffff);
}

let nextId = 1;

/** Writes an IP header at the start of `out` for `payloadLength` bytes of `protocol`; returns its length. */
export function writeIpHeader(
  out: Buffer,
  src: Buffer,
  dst: Buffer,
  protocol: number,
  payloadLength: number,
  fragment?: { id: number; offset: number; more: boolean },
): number {
  if (src.length === 4) {
    out[0] = 0x45;
    out[1] = 0;
    out.writeUInt16BE(IPV4_HEADER + payloadLength, 2);
    if (fragment) {
      out.writeUInt16BE(fragment.id, 4);
      out.writeUInt16BE((fragment.more ? 0x2000 : 0) | (fragment.offset >>> 3), 6);
    } else {
      nextId = (nextId + 1) & 0xffff;
      out.writeUInt16BE(nextId, 4);
      out.writeUInt16BE(0x4000, 6); // don't fragment
    }
    out[8] = 64;
    out[9] = protocol;
    out.writeUInt16BE(0, 10);
    src.copy(out, 12);
    dst.copy(out, 16);
    out.writeUInt16BE(finish(sum16(out, 0, IPV4_HEADER)), 10);
    return IPV4_HEADER;
  }
  out.writeUInt32BE(0x60000000, 0);
  out.writeUInt16BE(payloadLength, 4);
  out[6] = protocol;
  out[7] = 64;
  src.copy(out, 8);
  dst.copy(out, 24);
  return IPV6_HEADER;
}

/** A fresh IPv4 fragment identification, for datagrams the stack splits itself. */
export function fragmentId(): number {
  nextId = (nextId + 1) & 0xffff;
  return nextId;
}
