/**
 * The payloads of the control frames (layouts in wire.ts). Decoders check every length against the
 * payload, so a short or lying frame is a MuxProtocolError, never a RangeError out of an event handler.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { MuxProtocolError } from './wire.js';
import { formatIPv6, parseIPv6 } from './ipv6.js';

/** Reads fields off a payload, failing with a protocol error when a field runs past its end. */
export class PayloadReader {
  private at = 0;
  constructor(
    private readonly buf: Buffer,
    private readonly what: string,
  ) {}

  private need(n: number): number {
    if (this.at + n > this.buf.length) throw new MuxProtocolError(`${this.what} frame is too short`);
    const at = this.at;
    this.at += n;
    return at;
  }

  u8(): number {
    return this.buf.readUInt8(this.need(1));
  }

  u16(): number {
    return this.buf.readUInt16BE(this.need(2));
  }

  u32(): number {
    return this.buf.readUInt32BE(this.need(4));
  }

  bytes(n: number): Buffer {
    const at = this.need(n);
    return this.buf.subarray(at, at + n);
  }

  /** Everything left. */
  rest(): Buffer {
    const at = this.at;
    this.at = this.buf.length;
    return this.buf.subarray(at);
  }

  text(): string {
    return this.rest().toString('utf8');
  }
}

/** OpenReply, ListenReply, Reset and GoAway carry a code and a reason. */
export interface Refusal {
  code: number;
  reason: string;
}

export function encodeOpen(window: number, host: string, port: number): Buffer {
  const text = Buffer.from(host, 'utf8');
  const out = Buffer.allocUnsafe(6 + text.length);
  out.writeUInt32BE(window, 0);
  out.writeUInt16BE(port, 4);
  text.copy(out, 6);
  return out;
}

export function decodeOpen(payload: Buffer): { window: number; host: string; port: number } {
  const r = new PayloadReader(payload, 'open');
  return { window: r.u32(), port: r.u16(), host: r.text() };
}

export function encodeAccept(window: number, listenPort: number, origin: { address: string; port: number }): Buffer {
  const text = Buffer.from(origin.address, 'utf8');
  const out = Buffer.allocUnsafe(8 + text.length);
  out.writeUInt32BE(window, 0);
  out.writeUInt16BE(listenPort, 4);
  out.writeUInt16BE(origin.port, 6);
  text.copy(out, 8);
  return out;
}

export function decodeAccept(payload: Buffer): { window: number; listenPort: number; origin: { address: string; port: number } } {
  const r = new PayloadReader(payload, 'accept');
  const window = r.u32();
  const listenPort = r.u16();
  const port = r.u16();
  return { window, listenPort, origin: { address: r.text(), port } };
}

export function encodeOpenReply(code: number, window: number, reason = ''): Buffer {
  const text = Buffer.from(reason, 'utf8');
  const out = Buffer.allocUnsafe(5 + text.length);
  out.writeUInt8(code, 0);
  out.writeUInt32BE(window, 1);
  text.copy(out, 5);
  return out;
}

export function decodeOpenReply(payload: Buffer): Refusal & { window: number } {
  const r = new PayloadReader(payload, 'open-reply');
  return { code: r.u8(), window: r.u32(), reason: r.text() };
}

/** Reset and GoAway: u8 code, UTF-8 reason (cut to 1 KiB, a reason is for people). */
export function encodeRefusal(code: number, reason: string): Buffer {
  const text = Buffer.from(reason, 'utf8').subarray(0, 1024);
  return Buffer.concat([Buffer.of(code), text]);
}

export function decodeRefusal(payload: Buffer, what: string): Refusal {
  const r = new PayloadReader(payload, what);
  return { code: r.u8(), reason: r.text() };
}

export function encodeListen(request: number, port: number): Buffer {
  const out = Buffer.allocUnsafe(6);
  out.writeUInt32BE(request, 0);
  out.writeUInt16BE(port, 4);
  return out;
}

export function decodeListen(payload: Buffer): { request: number; port: number } {
  const r = new PayloadReader(payload, 'listen');
  return { request: r.u32(), port: r.u16() };
}

export function encodeListenReply(request: number, code: number, port: number, reason = ''): Buffer {
  const text = Buffer.from(reason, 'utf8');
  const out = Buffer.allocUnsafe(7 + text.length);
  out.writeUInt32BE(request, 0);
  out.writeUInt8(code, 4);
  out.writeUInt16BE(port, 5);
  text.copy(out, 7);
  return out;
}

export function decodeListenReply(payload: Buffer): Refusal & { request: number; port: number } {
  const r = new PayloadReader(payload, 'listen-reply');
  return { request: r.u32(), code: r.u8(), port: r.u16(), reason: r.text() };
}

/** A UDP endpoint: an IP address (v4 or v6) and a port. */
export interface Endpoint {
  address: string;
  port: number;
}

/** The datagram header (family, address, port) before its payload; throws for a non-IP address. */
export function encodeDatagramHeader(endpoint: Endpoint): Buffer {
  const v6 = isIPv6(endpoint.address);
  if (!v6 && !isIPv4(endpoint.address)) throw new TypeError(`not an IP address: ${JSON.stringify(endpoint.address)}`);
  const out = Buffer.allocUnsafe(v6 ? 19 : 7);
  out.writeUInt8(v6 ? 6 : 4, 0);
  if (v6) parseIPv6(endpoint.address).copy(out, 1);
  else endpoint.address.split('.').forEach((part, i) => out.writeUInt8(Number(part), 1 + i));
  out.writeUInt16BE(endpoint.port, v6 ? 17 : 5);
  return out;
}

export function decodeDatagram(payload: Buffer): { endpoint: Endpoint; data: Buffer } {
  const r = new PayloadReader(payload, 'datagram');
  const family = r.u8();
  if (family !== 4 && family !== 6) throw new MuxProtocolError(`datagram with address family ${family}`);
  const raw = r.bytes(family === 4 ? 4 : 16);
  const address = family === 4 ? [...raw].join('.') : formatIPv6(raw);
  return { endpoint: { address, port: r.u16() }, data: r.rest() };
}
