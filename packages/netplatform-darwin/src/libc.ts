import { closeSync, openSync, read } from 'node:fs';
import koffi from 'koffi';

/**
 * The system calls the macOS code makes, behind one interface so that tests on Linux record them (the
 * exact calls and struct bytes) instead of making them. Struct arguments are Buffers the call may fill.
 */
export interface Libc {
  socket(domain: number, type: number, protocol: number): number;
  ioctl(fd: number, request: number, arg: Buffer): number;
  connect(fd: number, address: Buffer): number;
  /** Fills `value`; returns the length the kernel gave, or -1. */
  getsockopt(fd: number, level: number, name: number, value: Buffer): number;
  setsockopt(fd: number, level: number, name: number, value: Buffer): number;
  /** open(2) read-write (for /dev/pf). */
  openReadWrite(path: string): number;
  /** One write(2): a utun takes each as one packet. Returns the bytes written, or -1. */
  write(fd: number, data: Buffer): number;
  close(fd: number): number;
  /** A blocking read(2) in libuv's thread pool; rejects with the errno code (EAGAIN after SO_RCVTIMEO). */
  read(fd: number, buffer: Buffer): Promise<number>;
  errno(): number;
}

interface Bound {
  socket: (domain: number, type: number, protocol: number) => number;
  ioctl: (fd: number, request: number, ...variadic: unknown[]) => number;
  connect: (fd: number, address: Buffer, length: number) => number;
  getsockopt: (fd: number, level: number, name: number, value: Buffer, length: number[]) => number;
  setsockopt: (fd: number, level: number, name: number, value: Buffer, length: number) => number;
  write: (fd: number, data: Buffer, length: number) => number;
}

let bound: Bound | undefined;

/**
 * libSystem, bound on first use. ioctl is declared variadic as in <sys/ioctl.h>: on Apple silicon a
 * variadic argument travels on the stack, so a fixed three-argument prototype would pass garbage.
 */
function libSystem(): Bound {
  if (bound) return bound;
  const lib = koffi.load('/usr/lib/libSystem.B.dylib');
  bound = {
    socket: lib.func('int socket(int domain, int type, int protocol)') as Bound['socket'],
    ioctl: lib.func('int ioctl(int fd, unsigned long request, ...)') as Bound['ioctl'],
    connect: lib.func('int connect(int fd, const uint8_t *address, uint32_t length)') as Bound['connect'],
    getsockopt: lib.func(
      'int getsockopt(int fd, int level, int name, _Out_ uint8_t *value, _Inout_ uint32_t *length)',
    ) as Bound['getsockopt'],
    setsockopt: lib.func('int setsockopt(int fd, int level, int name, const uint8_t *value, uint32_t length)') as Bound['setsockopt'],
    write: lib.func('long write(int fd, const uint8_t *data, unsigned long length)') as Bound['write'],
  };
  return bound;
}

/** The real system calls (macOS only: loading libSystem fails anywhere else). */
export const systemLibc: Libc = {
  socket: (domain, type, protocol) => libSystem().socket(domain, type, protocol),
  ioctl: (fd, request, arg) => libSystem().ioctl(fd, request, 'uint8_t *', arg),
  connect: (fd, address) => libSystem().connect(fd, address, address.length),
  getsockopt(fd, level, name, value) {
    const length = [value.length];
    return libSystem().getsockopt(fd, level, name, value, length) === 0 ? length[0]! : -1;
  },
  setsockopt: (fd, level, name, value) => libSystem().setsockopt(fd, level, name, value, value.length),
  openReadWrite: (path) => openSync(path, 'r+'),
  write: (fd, data) => libSystem().write(fd, data, data.length),
  close(fd) {
    closeSync(fd);
    return 0;
  },
  read: (fd, buffer) =>
    new Promise((resolve, reject) => {
      read(fd, buffer, 0, buffer.length, null, (error, bytes) => (error ? reject(error) : resolve(bytes)));
    }),
  errno: () => koffi.errno(),
};
