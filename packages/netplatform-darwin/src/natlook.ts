import { isIPv4 } from 'node:net';
import type { Socket } from 'node:net';
import type { SocketAddress } from '@ktctl/netplatform';
import type { Libc } from './libc.js';
import { AF_INET } from './utun.js';

// From xnu's bsd/net/pfvar.h (macOS): struct pfioc_natlook { struct pf_addr saddr, daddr, rsaddr, rdaddr;
// union pf_state_xport sxport, dxport, rsxport, rdxport; sa_family_t af; u_int8_t proto, proto_variant,
// direction; }. pf_addr is 16 bytes; pf_state_xport is a union of u_int16_t port / call_id and u_int32_t spi
// (4 bytes); ports are in network order.
export const PFIOC_NATLOOK_SIZE = 84;
/** _IOWR('D', 23, struct pfioc_natlook): 0xc0000000 | 84 << 16 | 'D' << 8 | 23. */
export const DIOCNATLOOK = 0xc0544417;
export const PF_OUT = 2;
export const IPPROTO_TCP = 6;
const RDADDR = 48;
const SXPORT = 64;
const DXPORT = 68;
const RDXPORT = 76;
const AF = 80;

/** The NAT lookup for a redirected connection: from the client's address to our listener's. */
export function natlookRequest(client: SocketAddress, listener: SocketAddress): Buffer {
  const request = Buffer.alloc(PFIOC_NATLOOK_SIZE);
  writeIpv4(request, 0, client.address); // saddr
  writeIpv4(request, 16, listener.address); // daddr
  request.writeUInt16BE(client.port, SXPORT);
  request.writeUInt16BE(listener.port, DXPORT);
  request.writeUInt8(AF_INET, AF);
  request.writeUInt8(IPPROTO_TCP, AF + 1);
  request.writeUInt8(PF_OUT, AF + 3);
  return request;
}

/** The pre-rdr destination the kernel filled in (rdaddr, rdxport). */
export function natlookResult(reply: Buffer): SocketAddress {
  return { address: [...reply.subarray(RDADDR, RDADDR + 4)].join('.'), port: reply.readUInt16BE(RDXPORT) };
}

function writeIpv4(buffer: Buffer, offset: number, address: string): void {
  const plain = address.replace(/^::ffff:/i, '');
  if (!isIPv4(plain)) throw new Error(`pf's NAT lookup here takes IPv4 addresses, got ${address}`);
  plain.split('.').forEach((octet, i) => buffer.writeUInt8(Number(octet), offset + i));
}

/** The destination a connection redirected by pf's rdr had, through DIOCNATLOOK on /dev/pf. */
export function pfOriginalDestination(libc: Libc, pfFd: () => number, socket: Socket): SocketAddress {
  if (!socket.remoteAddress || socket.remotePort === undefined || !socket.localAddress || socket.localPort === undefined) {
    throw new Error('the socket is not connected');
  }
  const request = natlookRequest(
    { address: socket.remoteAddress, port: socket.remotePort },
    { address: socket.localAddress, port: socket.localPort },
  );
  if (libc.ioctl(pfFd(), DIOCNATLOOK, request) !== 0) {
    throw new Error(`ioctl(DIOCNATLOOK) failed: errno ${libc.errno()} (was the connection redirected by pf?)`);
  }
  return natlookResult(request);
}
