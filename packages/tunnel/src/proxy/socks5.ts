import { isIPv4, isIPv6 } from 'node:net';
import type { ByteReader } from './byte-reader.js';

/** SOCKS5 reply codes (RFC 1928 §6). */
export const SocksReply = {
  Succeeded: 0x00,
  GeneralFailure: 0x01,
  NetworkUnreachable: 0x03,
  HostUnreachable: 0x04,
  ConnectionRefused: 0x05,
  TtlExpired: 0x06,
  CommandNotSupported: 0x07,
  AddressTypeNotSupported: 0x08,
} as const;

export interface SocksRequest {
  readonly command: number;
  readonly host: string;
  readonly port: number;
}

const NO_AUTH = 0x00;
const NO_ACCEPTABLE_METHOD = 0xff;

/** Runs the SOCKS5 greeting and reads the request; the first byte (version 5) is already consumed. */
export async function readSocks5Request(reader: ByteReader, write: (b: Buffer) => void): Promise<SocksRequest> {
  const [methodCount] = await reader.read(1);
  const methods = await reader.read(methodCount!);
  if (!methods.includes(NO_AUTH)) {
    write(Buffer.from([0x05, NO_ACCEPTABLE_METHOD]));
    throw new Error('the SOCKS client offers no method without authentication');
  }
  write(Buffer.from([0x05, NO_AUTH]));
  const [version, command, , addressType] = await reader.read(4);
  if (version !== 0x05) throw new Error(`bad SOCKS request version ${version}`);
  const host = await readAddress(reader, addressType!);
  const port = (await reader.read(2)).readUInt16BE(0);
  return { command: command!, host, port };
}

async function readAddress(reader: ByteReader, addressType: number): Promise<string> {
  switch (addressType) {
    case 0x01:
      return [...(await reader.read(4))].join('.');
    case 0x03: {
      const [length] = await reader.read(1);
      return (await reader.read(length!)).toString('latin1');
    }
    case 0x04: {
      const raw = await reader.read(16);
      const groups = Array.from({ length: 8 }, (_, i) => raw.readUInt16BE(i * 2).toString(16));
      return groups.join(':');
    }
    default:
      throw Object.assign(new Error(`SOCKS address type ${addressType} is not supported`), {
        socksReply: SocksReply.AddressTypeNotSupported,
      });
  }
}

/** A SOCKS5 reply with a bound address (ours, or 0.0.0.0:0 when unknown). */
export function socks5Reply(code: number, bound: { host: string; port: number } = { host: '0.0.0.0', port: 0 }): Buffer {
  let address: Buffer;
  if (isIPv4(bound.host)) address = Buffer.from([0x01, ...bound.host.split('.').map(Number)]);
  else if (isIPv6(bound.host)) address = Buffer.concat([Buffer.from([0x04]), ipv6Bytes(bound.host)]);
  else address = Buffer.from([0x01, 0, 0, 0, 0]);
  const port = Buffer.alloc(2);
  port.writeUInt16BE(bound.port);
  return Buffer.concat([Buffer.from([0x05, code, 0x00]), address, port]);
}

function ipv6Bytes(address: string): Buffer {
  const [head = '', tail = ''] = address.split('::');
  const parse = (part: string): number[] => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const left = parse(head);
  const right = address.includes('::') ? parse(tail) : [];
  const groups = [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
  const bytes = Buffer.alloc(16);
  groups.forEach((g, i) => bytes.writeUInt16BE(g, i * 2));
  return bytes;
}

/** The SOCKS5 reply that best describes why a connection could not be made. */
export function replyForError(error: unknown): number {
  const known = (error as { socksReply?: number }).socksReply;
  if (known !== undefined) return known;
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (code === 'ECONNREFUSED') return SocksReply.ConnectionRefused;
  if (code === 'EHOSTUNREACH' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') return SocksReply.HostUnreachable;
  if (code === 'ENETUNREACH') return SocksReply.NetworkUnreachable;
  if (code === 'ETIMEDOUT') return SocksReply.TtlExpired;
  const message = String((error as Error).message ?? '');
  if (/refused/i.test(message)) return SocksReply.ConnectionRefused;
  return SocksReply.GeneralFailure;
}
