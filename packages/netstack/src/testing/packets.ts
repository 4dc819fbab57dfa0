// A packet builder and parser for tests, written independently of the stack's own code (plain byte loops,
// no shared helpers) so that a checksum or layout mistake in the stack cannot hide behind the same mistake here.

export const TCP_FLAGS = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10 } as const;

function addressBytes(text: string): number[] {
  if (text.includes('.')) return text.split('.').map(Number);
  const [head = '', tail] = text.split('::');
  const words = (s: string) => (s ? s.split(':').map((w) => parseInt(w, 16)) : []);
  const h = words(head);
  const t = tail === undefined ? [] : words(tail);
  const all = [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  return all.flatMap((w) => [w >> 8, w & 0xff]);
}

function formatAddress(bytes: Buffer): string {
  if (bytes.length === 4) return [...bytes].join('.');
  const words: string[] = [];
  for (let i = 0; i < 16; i += 2) words.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return words.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

/** The Internet checksum, one byte pair at a time. */
export function internetChecksum(...parts: Buffer[]): number {
  const all = Buffer.concat(parts);
  let sum = 0;
  for (let i = 0; i < all.length; i += 2) sum += (all[i]! << 8) + (all[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

function pseudoHeader(src: number[], dst: number[], protocol: number, length: number): Buffer {
  if (src.length === 4) return Buffer.from([...src, ...dst, 0, protocol, length >> 8, length & 0xff]);
  return Buffer.from([...src, ...dst, 0, 0, length >> 8, length & 0xff, 0, 0, 0, protocol]);
}

export interface IpFields {
  src: string;
  dst: string;
  protocol: number;
  payload: Buffer;
  /** IPv4 only. */
  id?: number;
  fragmentOffset?: number;
  moreFragments?: boolean;
  ttl?: number;
}

/** An IPv4 or IPv6 packet (the version follows the address form). */
export function ipPacket(f: IpFields): Buffer {
  const src = addressBytes(f.src);
  const dst = addressBytes(f.dst);
  if (src.length === 4) {
    const header = Buffer.alloc(20);
    header[0] = 0x45;
    header.writeUInt16BE(20 + f.payload.length, 2);
    header.writeUInt16BE(f.id ?? 0x1234, 4);
    header.writeUInt16BE(((f.moreFragments ? 1 : 0) << 13) | ((f.fragmentOffset ?? 0) >> 3), 6);
    header[8] = f.ttl ?? 64;
    header[9] = f.protocol;
    header.set(src, 12);
    header.set(dst, 16);
    header.writeUInt16BE(internetChecksum(header), 10);
    return Buffer.concat([header, f.payload]);
  }
  const header = Buffer.alloc(40);
  header.writeUInt32BE(0x60000000, 0);
  header.writeUInt16BE(f.payload.length, 4);
  header[6] = f.protocol;
  header[7] = f.ttl ?? 64;
  header.set(src, 8);
  header.set(dst, 24);
  return Buffer.concat([header, f.payload]);
}

export interface TcpFields {
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  seq: number;
  ack?: number;
  flags: number;
  window?: number;
  mss?: number;
  wscale?: number;
  sackPermitted?: boolean;
  /** SACK blocks [start, end). */
  sack?: [number, number][];
  data?: Buffer;
  /** Corrupts the checksum. */
  badChecksum?: boolean;
}

/** The TCP segment alone (header, options, data) with its checksum. */
export function tcpSegment(f: TcpFields): Buffer {
  const options: number[] = [];
  if (f.mss !== undefined) options.push(2, 4, f.mss >> 8, f.mss & 0xff);
  if (f.wscale !== undefined) options.push(1, 3, 3, f.wscale);
  if (f.sackPermitted) options.push(1, 1, 4, 2);
  if (f.sack) {
    options.push(1, 1, 5, 2 + 8 * f.sack.length);
    for (const [start, end] of f.sack)
      options.push(...[start, end].flatMap((n) => [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]));
  }
  while (options.length % 4) options.push(0);
  const data = f.data ?? Buffer.alloc(0);
  const header = Buffer.alloc(20 + options.length);
  header.writeUInt16BE(f.srcPort, 0);
  header.writeUInt16BE(f.dstPort, 2);
  header.writeUInt32BE(f.seq >>> 0, 4);
  header.writeUInt32BE((f.ack ?? 0) >>> 0, 8);
  header[12] = (header.length / 4) << 4;
  header[13] = f.flags;
  header.writeUInt16BE(f.window ?? 65535, 14);
  header.set(options, 20);
  const segment = Buffer.concat([header, data]);
  const sum = internetChecksum(pseudoHeader(addressBytes(f.src), addressBytes(f.dst), 6, segment.length), segment);
  segment.writeUInt16BE(f.badChecksum ? sum ^ 0x0101 : sum, 16);
  return segment;
}

export const tcpPacket = (f: TcpFields): Buffer => ipPacket({ src: f.src, dst: f.dst, protocol: 6, payload: tcpSegment(f) });

export interface UdpFields {
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  data: Buffer;
  zeroChecksum?: boolean;
  badChecksum?: boolean;
}

export function udpSegment(f: UdpFields): Buffer {
  const segment = Buffer.concat([Buffer.alloc(8), f.data]);
  segment.writeUInt16BE(f.srcPort, 0);
  segment.writeUInt16BE(f.dstPort, 2);
  segment.writeUInt16BE(segment.length, 4);
  let sum = internetChecksum(pseudoHeader(addressBytes(f.src), addressBytes(f.dst), 17, segment.length), segment);
  if (sum === 0) sum = 0xffff;
  segment.writeUInt16BE(f.zeroChecksum ? 0 : f.badChecksum ? sum ^ 0x0101 : sum, 6);
  return segment;
}

export const udpPacket = (f: UdpFields): Buffer => ipPacket({ src: f.src, dst: f.dst, protocol: 17, payload: udpSegment(f) });

/** An ICMP (or ICMPv6, by address form) echo request. */
export function echoRequest(src: string, dst: string, id: number, sequence: number, data: Buffer): Buffer {
  const v6 = src.includes(':');
  const message = Buffer.concat([Buffer.from([v6 ? 128 : 8, 0, 0, 0, id >> 8, id & 0xff, sequence >> 8, sequence & 0xff]), data]);
  const pseudo = v6 ? pseudoHeader(addressBytes(src), addressBytes(dst), 58, message.length) : Buffer.alloc(0);
  message.writeUInt16BE(internetChecksum(pseudo, message), 2);
  return ipPacket({ src, dst, protocol: v6 ? 58 : 1, payload: message });
}

export interface ParsedTcp {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: number;
  window: number;
  mss?: number;
  wscale?: number;
  sackPermitted?: boolean;
  sack?: [number, number][];
  data: Buffer;
}

export interface ParsedPacket {
  version: 4 | 6;
  src: string;
  dst: string;
  protocol: number;
  /** IP header checksum (v4) and transport checksum both right. */
  checksumOk: boolean;
  fragment?: { id: number; offset: number; more: boolean };
  payload: Buffer;
  tcp?: ParsedTcp;
  udp?: { srcPort: number; dstPort: number; data: Buffer };
  icmp?: { type: number; code: number; body: Buffer };
}

/** Parses a packet the stack wrote, checking every checksum. */
export function parsePacket(packet: Buffer): ParsedPacket {
  const v4 = packet[0]! >> 4 === 4;
  const headerLength = v4 ? (packet[0]! & 15) * 4 : 40;
  const total = v4 ? packet.readUInt16BE(2) : 40 + packet.readUInt16BE(4);
  if (total !== packet.length) throw new Error(`IP length ${total} but packet of ${packet.length} bytes`);
  const srcBytes = packet.subarray(v4 ? 12 : 8, v4 ? 16 : 24);
  const dstBytes = packet.subarray(v4 ? 16 : 24, v4 ? 20 : 40);
  const protocol = v4 ? packet[9]! : packet[6]!;
  const payload = packet.subarray(headerLength);
  let checksumOk = v4 ? internetChecksum(packet.subarray(0, headerLength)) === 0 : true;
  const parsed: ParsedPacket = {
    version: v4 ? 4 : 6,
    src: formatAddress(srcBytes),
    dst: formatAddress(dstBytes),
    protocol,
    checksumOk,
    payload,
  };
  const flags = v4 ? packet.readUInt16BE(6) : 0;
  if (v4 && flags & 0x3fff) {
    parsed.fragment = { id: packet.readUInt16BE(4), offset: (flags & 0x1fff) * 8, more: (flags & 0x2000) !== 0 };
    return parsed;
  }
  const pseudo = pseudoHeader([...srcBytes], [...dstBytes], protocol, payload.length);
  if (protocol === 6) {
    checksumOk &&= internetChecksum(pseudo, payload) === 0;
    parsed.tcp = parseTcpSegment(payload);
  } else if (protocol === 17) {
    checksumOk &&= payload.readUInt16BE(6) !== 0 && internetChecksum(pseudo, payload) === 0;
    parsed.udp = { srcPort: payload.readUInt16BE(0), dstPort: payload.readUInt16BE(2), data: payload.subarray(8, payload.readUInt16BE(4)) };
  } else if (protocol === 1 || protocol === 58) {
    checksumOk &&= internetChecksum(protocol === 58 ? pseudo : Buffer.alloc(0), payload) === 0;
    parsed.icmp = { type: payload[0]!, code: payload[1]!, body: payload.subarray(4) };
  }
  parsed.checksumOk = checksumOk;
  return parsed;
}

function parseTcpSegment(segment: Buffer): ParsedTcp {
  const dataOffset = (segment[12]! >> 4) * 4;
  const tcp: ParsedTcp = {
    srcPort: segment.readUInt16BE(0),
    dstPort: segment.readUInt16BE(2),
    seq: segment.readUInt32BE(4),
    ack: segment.readUInt32BE(8),
    flags: segment[13]!,
    window: segment.readUInt16BE(14),
    data: Buffer.from(segment.subarray(dataOffset)),
  };
  for (let at = 20; at < dataOffset;) {
    const kind = segment[at]!;
    if (kind === 0) break;
    if (kind === 1) {
      at++;
      continue;
    }
    if (kind === 2) tcp.mss = segment.readUInt16BE(at + 2);
    if (kind === 3) tcp.wscale = segment[at + 2]!;
    if (kind === 4) tcp.sackPermitted = true;
    if (kind === 5) {
      tcp.sack = [];
      for (let b = at + 2; b < at + segment[at + 1]!; b += 8) tcp.sack.push([segment.readUInt32BE(b), segment.readUInt32BE(b + 4)]);
    }
    at += segment[at + 1]!;
  }
  return tcp;
}
