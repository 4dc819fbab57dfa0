import type { Libc } from '../libc.js';

export interface SyscallRecord {
  readonly call: string;
  readonly args: (number | string)[];
}

/**
 * A Libc that records each call (struct arguments as hex, as they were when passed in) and answers like
 * macOS would: CTLIOCGINFO gives control id `ctlId`, UTUN_OPT_IFNAME gives `ifname`, reads come from
 * `packets` (each with its 4-byte family header), then EAGAIN until closed.
 */
export function fakeLibc(options: { ctlId?: number; ifname?: string; fd?: number; natlook?: (request: Buffer) => void } = {}) {
  const calls: SyscallRecord[] = [];
  const packets: Buffer[] = [];
  const written: Buffer[] = [];
  const fd = options.fd ?? 42;
  const record = (call: string, ...args: (number | string | Buffer)[]) =>
    calls.push({ call, args: args.map((a) => (Buffer.isBuffer(a) ? a.toString('hex') : a)) });
  const libc: Libc = {
    socket(domain, type, protocol) {
      record('socket', domain, type, protocol);
      return fd;
    },
    ioctl(f, request, arg) {
      record('ioctl', f, request, arg);
      if (request === 0xc0644e03) arg.writeUInt32LE(options.ctlId ?? 7, 0);
      else options.natlook?.(arg);
      return 0;
    },
    connect(f, address) {
      record('connect', f, address);
      return 0;
    },
    getsockopt(f, level, name, value) {
      record('getsockopt', f, level, name, value.length);
      const ifname = Buffer.from(`${options.ifname ?? 'utun7'}\0`);
      ifname.copy(value);
      return ifname.length;
    },
    setsockopt(f, level, name, value) {
      record('setsockopt', f, level, name, value);
      return 0;
    },
    openReadWrite(path) {
      record('open', path);
      return 77;
    },
    write(f, data) {
      record('write', f, data);
      written.push(Buffer.from(data));
      return data.length;
    },
    close(f) {
      record('close', f);
      return 0;
    },
    read(_f, buffer) {
      const next = packets.shift();
      if (next) {
        next.copy(buffer);
        return Promise.resolve(next.length);
      }
      // An idle utun: the read times out (SO_RCVTIMEO) and the loop looks again.
      return new Promise((_resolve, reject) => {
        setTimeout(() => reject(Object.assign(new Error('EAGAIN'), { code: 'EAGAIN' })), 5);
      });
    },
    errno: () => 1,
  };
  return { libc, calls, packets, written, lines: () => calls.map((c) => `${c.call}(${c.args.join(', ')})`) };
}
