/**
 * The UDP relay's wire format. SSH has no datagram channels, so datagrams travel as length-prefixed frames
 * inside one ordinary byte channel (the `udp-relay-v1@ktctl` subsystem of a session channel); see @ktctl/tunnel's README.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** The SSH subsystem name the agent serves the relay under; the version is part of the name. */
export const UDP_RELAY_SUBSYSTEM = 'udp-relay-v1@ktctl';

/** Frame kinds: a datagram (either direction) or the end of a flow (either direction). */
export const FrameKind = { Datagram: 1, CloseFlow: 2 } as const;

/** One datagram: to `address:port` when sent by the laptop, from `address:port` when sent by the agent. */
export interface DatagramFrame {
  kind: typeof FrameKind.Datagram;
  /** Chosen by the laptop; each flow is one UDP socket in the pod, so replies come back on the same flow. */
  flow: number;
  address: string;
  port: number;
  payload: Buffer;
}

/** Either side forgets a flow: the laptop when its local association ends, the agent when it idles out. */
export interface CloseFlowFrame {
  kind: typeof FrameKind.CloseFlow;
  flow: number;
}

export type RelayFrame = DatagramFrame | CloseFlowFrame;

/** A frame that cannot be encoded or decoded; the relay channel is closed when one arrives. */
export class FrameError extends Error {
  override name = 'FrameError';
}

/** Bytes before the payload of an IPv4 / IPv6 datagram frame, after the 2-byte length. */
const HEADER_V4 = 1 + 4 + 1 + 4 + 2;
const HEADER_V6 = 1 + 4 + 1 + 16 + 2;
/** The length field is 16 bits, so a frame body holds at most this many bytes. */
export const MAX_FRAME_BODY = 0xffff;
/** Largest payload that fits an IPv6 frame (and so any frame); bigger datagrams are rejected, not split. */
export const MAX_DATAGRAM_PAYLOAD = MAX_FRAME_BODY - HEADER_V6;

/** Encodes a frame as `u16 length` followed by the body. */
export function encodeFrame(frame: RelayFrame): Buffer {
  checkFlow(frame.flow);
  if (frame.kind === FrameKind.CloseFlow) {
    const out = Buffer.allocUnsafe(2 + 5);
    out.writeUInt16BE(5, 0);
    out.writeUInt8(FrameKind.CloseFlow, 2);
    out.writeUInt32BE(frame.flow, 3);
    return out;
  }
  return encodeDatagram(frame);
}

function encodeDatagram(frame: DatagramFrame): Buffer {
  const v6 = isIPv6(frame.address);
  if (!v6 && !isIPv4(frame.address)) throw new FrameError(`not an IP address: ${JSON.stringify(frame.address)}`);
  if (!Number.isInteger(frame.port) || frame.port < 0 || frame.port > 0xffff) throw new FrameError(`bad port ${frame.port}`);
  const header = v6 ? HEADER_V6 : HEADER_V4;
  if (frame.payload.length > MAX_FRAME_BODY - header) throw new FrameError(`datagram of ${frame.payload.length} bytes is too big to relay`);
  const out = Buffer.allocUnsafe(2 + header + frame.payload.length);
  out.writeUInt16BE(header + frame.payload.length, 0);
  out.writeUInt8(FrameKind.Datagram, 2);
  out.writeUInt32BE(frame.flow, 3);
  out.writeUInt8(v6 ? 6 : 4, 7);
  const addressEnd = writeAddress(out, 8, frame.address, v6);
  out.writeUInt16BE(frame.port, addressEnd);
  frame.payload.copy(out, addressEnd + 2);
  return out;
}

function checkFlow(flow: number): void {
  if (!Number.isInteger(flow) || flow < 0 || flow > 0xffffffff) throw new FrameError(`bad flow id ${flow}`);
}

function writeAddress(out: Buffer, at: number, address: string, v6: boolean): number {
  if (!v6) {
    for (const [i, part] of address.split('.').entries()) out.writeUInt8(Number(part), at + i);
    return at + 4;
  }
  expandIPv6(address).copy(out, at);
  return at + 16;
}

/** The 16 bytes of an IPv6 address, including `::` and embedded IPv4 forms. */
function expandIPv6(address: string): Buffer {
  let text = address.split('%')[0] ?? address;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4?.[1]) {
    const b = v4[1].split('.').map(Number);
    text =
      text.slice(0, -v4[1].length) +
      `${(((b[0] ?? 0) << 8) | (b[1] ?? 0)).toString(16)}:${(((b[2] ?? 0) << 8) | (b[3] ?? 0)).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

/** Decodes one frame body (without its length prefix). */
export function decodeFrameBody(body: Buffer): RelayFrame {
  if (body.length < 5) throw new FrameError(`frame of ${body.length} bytes is too short`);
  const kind = body.readUInt8(0);
  const flow = body.readUInt32BE(1);
  if (kind === FrameKind.CloseFlow) {
    if (body.length !== 5) throw new FrameError('close-flow frame with trailing bytes');
    return { kind, flow };
  }
  if (kind !== FrameKind.Datagram) throw new FrameError(`unknown frame kind ${kind}`);
  return decodeDatagram(body, flow);
}

function decodeDatagram(body: Buffer, flow: number): DatagramFrame {
  const family = body.length > 5 ? body.readUInt8(5) : 0;
  if (family !== 4 && family !== 6) throw new FrameError(`unknown address family ${family}`);
  const header = family === 4 ? HEADER_V4 : HEADER_V6;
  if (body.length < header) throw new FrameError('datagram frame shorter than its header');
  const addressEnd = header - 2;
  const address = family === 4 ? [...body.subarray(6, addressEnd)].join('.') : formatIPv6(body.subarray(6, addressEnd));
  return { kind: FrameKind.Datagram, flow, address, port: body.readUInt16BE(addressEnd), payload: body.subarray(header) };
}

/** Canonical (RFC 5952) text of 16 address bytes, so addresses compare equal to what Node reports. */
function formatIPv6(bytes: Buffer): string {
  const groups = Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(i * 2));
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.len && j - i > 1) best = { at: i, len: j - i };
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.at < 0) return hex.join(':');
  return `${hex.slice(0, best.at).join(':')}::${hex.slice(best.at + best.len).join(':')}`;
}
