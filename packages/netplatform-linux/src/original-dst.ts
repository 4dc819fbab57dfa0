import type { Socket } from 'node:net';
import koffi from 'koffi';
import { endianness } from 'node:os';
import type { SocketAddress } from '@ktctl/netplatform';

/** From <linux/netfilter_ipv4.h>: the pre-NAT destination of a redirected connection, at level SOL_IP. */
export const SO_ORIGINAL_DST = 80;
export const SOL_IP = 0;
const AF_INET = 2;
const SOCKADDR_IN_SIZE = 16;

type GetSockOpt = (fd: number, level: number, name: number, value: Buffer, length: number[]) => number;

let getsockopt: GetSockOpt | undefined;
let errnoOf: (() => number) | undefined;

/**
 * libc is bound on first use. koffi is a static import so that the app's bundler embeds it (and its native
 * addon) in the single binary; the app only loads this package for the modes that need root.
 */
function libc(): GetSockOpt {
  if (getsockopt) return getsockopt;
  const lib = koffi.load('libc.so.6');
  getsockopt = lib.func('int getsockopt(int fd, int level, int name, _Out_ uint8_t *value, _Inout_ uint32_t *length)') as GetSockOpt;
  errnoOf = () => koffi.errno();
  return getsockopt;
}

/** A `struct sockaddr_in` as address and port (family in host order, port and address in network order). */
export function parseSockaddrIn(buffer: Buffer): SocketAddress {
  const family = endianness() === 'LE' ? buffer.readUInt16LE(0) : buffer.readUInt16BE(0);
  if (family !== AF_INET) throw new Error(`SO_ORIGINAL_DST gave address family ${family}, not AF_INET`);
  return { address: [...buffer.subarray(4, 8)].join('.'), port: buffer.readUInt16BE(2) };
}

/** The file descriptor under a connected net.Socket (Node keeps it on the TCP handle). */
export function socketFd(socket: Socket): number {
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) throw new Error('the socket has no file descriptor (closed, or not a TCP socket)');
  return fd;
}

/**
 * The destination a connection had before iptables/nft redirected it to our listener. The listener must
 * be IPv4 (e.g. 127.0.0.1): SO_ORIGINAL_DST answers for AF_INET sockets.
 */
export function originalDestination(socket: Socket): SocketAddress {
  const call = libc();
  const value = Buffer.alloc(SOCKADDR_IN_SIZE);
  const length = [SOCKADDR_IN_SIZE];
  if (call(socketFd(socket), SOL_IP, SO_ORIGINAL_DST, value, length) !== 0) {
    throw new Error(`getsockopt(SO_ORIGINAL_DST) failed: errno ${errnoOf?.() ?? '?'} (was the connection redirected?)`);
  }
  return parseSockaddrIn(value);
}
