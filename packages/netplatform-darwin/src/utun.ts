import type { TunDevice, TunFactory, TunOptions } from '@ktctl/netplatform';
import { type CommandRunner, type Journal, type JournalEntry, mustRun, netmask, tunDevice, type Undoers } from '@ktctl/netplatform';
import type { Libc } from './libc.js';

// From the macOS SDK: <sys/socket.h>, <sys/sys_domain.h>, <sys/kern_control.h>, <net/if_utun.h>,
// <sys/_types/_timeval.h>.
export const PF_SYSTEM = 32;
export const SOCK_DGRAM = 2;
export const SYSPROTO_CONTROL = 2;
export const AF_SYS_CONTROL = 2;
/** _IOWR('N', 3, struct ctl_info): 0xc0000000 | sizeof(ctl_info) = 100 << 16 | 'N' << 8 | 3. */
export const CTLIOCGINFO = 0xc0644e03;
export const MAX_KCTL_NAME = 96;
export const CTL_INFO_SIZE = 4 + MAX_KCTL_NAME;
export const SOCKADDR_CTL_SIZE = 32;
export const UTUN_CONTROL_NAME = 'com.apple.net.utun_control';
export const UTUN_OPT_IFNAME = 2;
export const SOL_SOCKET = 0xffff;
export const SO_RCVTIMEO = 0x1006;
/** The address-family word before each packet on a utun (network byte order). */
export const AF_INET = 2;
export const AF_INET6 = 30;
const IFNAMSIZ = 16;
const DEFAULT_MTU = 1500;
/** How long a read waits before it looks whether the device was closed. */
const READ_TIMEOUT_US = 250_000;

/** A utun ktctl opened: the device lives as long as its socket, so a killed ktctl loses it by itself. */
export interface UtunEntry extends JournalEntry {
  readonly kind: 'utun';
  /** The process holding the socket: only that process has anything to close. */
  readonly pid: number;
  /** Filled in once the kernel has picked the unit (`utunN`). */
  name?: string;
}

/** `struct ctl_info` asking for the utun control's id. */
export function ctlInfo(name = UTUN_CONTROL_NAME): Buffer {
  const info = Buffer.alloc(CTL_INFO_SIZE);
  info.write(name, 4, MAX_KCTL_NAME - 1, 'ascii');
  return info;
}

/** `struct sockaddr_ctl` for the control `id`; unit 0 lets the kernel pick the next free utunN. */
export function sockaddrCtl(id: number, unit = 0): Buffer {
  const address = Buffer.alloc(SOCKADDR_CTL_SIZE);
  address.writeUInt8(SOCKADDR_CTL_SIZE, 0); // sc_len
  address.writeUInt8(PF_SYSTEM, 1); // sc_family = AF_SYSTEM
  address.writeUInt16LE(AF_SYS_CONTROL, 2); // ss_sysaddr
  address.writeUInt32LE(id, 4); // sc_id
  address.writeUInt32LE(unit, 8); // sc_unit; sc_reserved[5] stay zero
  return address;
}

/** `struct timeval` (64-bit tv_sec, 32-bit tv_usec, padded to 16). */
export function timeval(microseconds: number): Buffer {
  const value = Buffer.alloc(16);
  value.writeBigInt64LE(BigInt(Math.floor(microseconds / 1_000_000)), 0);
  value.writeInt32LE(microseconds % 1_000_000, 8);
  return value;
}

/** The 4-byte header a utun puts before each packet: the address family, from the IP version nibble. */
export function familyHeader(packet: Buffer): Buffer {
  const version = (packet[0] ?? 0) >> 4;
  const header = Buffer.alloc(4);
  header.writeUInt32BE(version === 6 ? AF_INET6 : AF_INET, 0);
  return header;
}

/** `ifconfig utunN inet <addr> <addr> netmask <mask> mtu <mtu> up` (point-to-point to itself). */
export function ifconfigArgs(name: string, options: TunOptions): string[] {
  const [address, prefix] = options.address.split('/');
  const mtu = String(options.mtu ?? DEFAULT_MTU);
  if (address!.includes(':')) return [name, 'inet6', address!, 'prefixlen', prefix ?? '128', 'mtu', mtu, 'up'];
  return [name, 'inet', address!, address!, 'netmask', netmask(Number(prefix ?? 32)), 'mtu', mtu, 'up'];
}

function check(result: number, what: string, libc: Libc): number {
  if (result < 0) throw new Error(`${what} failed: errno ${libc.errno()}`);
  return result;
}

/** Opens a utun control socket and connects it; returns the fd and the name the kernel gave the device. */
export function openUtun(libc: Libc): { fd: number; name: string } {
  const fd = check(libc.socket(PF_SYSTEM, SOCK_DGRAM, SYSPROTO_CONTROL), 'socket(PF_SYSTEM)', libc);
  try {
    const info = ctlInfo();
    check(libc.ioctl(fd, CTLIOCGINFO, info), `ioctl(CTLIOCGINFO ${UTUN_CONTROL_NAME})`, libc);
    check(libc.connect(fd, sockaddrCtl(info.readUInt32LE(0))), 'connect(utun control)', libc);
    const name = Buffer.alloc(IFNAMSIZ);
    const length = check(libc.getsockopt(fd, SYSPROTO_CONTROL, UTUN_OPT_IFNAME, name), 'getsockopt(UTUN_OPT_IFNAME)', libc);
    check(libc.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, timeval(READ_TIMEOUT_US)), 'setsockopt(SO_RCVTIMEO)', libc);
    return { fd, name: name.subarray(0, length).toString('ascii').replace(/\0.*$/s, '') };
  } catch (error) {
    libc.close(fd);
    throw error;
  }
}

/** Devices open in this process, by name: the journal's undoer closes them. */
const openDevices = new Map<string, () => Promise<void>>();

/** utun devices through the kernel control socket, journaled before the socket is opened. */
export function createUtunFactory(runner: CommandRunner, journal: Journal, libc: Libc): TunFactory {
  return {
    async create(options) {
      const entry: UtunEntry = { kind: 'utun', pid: process.pid };
      let device: TunDevice | undefined;
      await journal.change(entry, async () => {
        const { fd, name } = openUtun(libc);
        // The kernel picks the unit: the name goes into the journal with the `applied` state (the journal
        // keeps this very object). A crash before that leaves an entry without a name, and nothing to undo.
        entry.name = name;
        const close = () => journal.undoWhere((e) => e.kind === 'utun' && e.name === name);
        const opened = openDevice(libc, fd, name, options.mtu ?? DEFAULT_MTU, close);
        openDevices.set(name, opened.shutdown);
        await mustRun(runner, 'ifconfig', ifconfigArgs(name, options));
        device = opened.device;
      });
      return device!;
    },
  };
}

function openDevice(libc: Libc, fd: number, name: string, mtu: number, close: () => Promise<void>) {
  return tunDevice(
    {
      name,
      mtu,
      async readLoop(deliver, isClosed) {
        const buffer = Buffer.allocUnsafe(mtu + 4 + 64);
        while (!isClosed()) {
          let bytes: number;
          try {
            bytes = await libc.read(fd, buffer);
          } catch (error) {
            // SO_RCVTIMEO: an idle device wakes the read now and then, so close() is noticed.
            if ((error as NodeJS.ErrnoException).code === 'EAGAIN' || (error as NodeJS.ErrnoException).code === 'EINTR') continue;
            return;
          }
          if (isClosed() || bytes === 0) return;
          if (bytes <= 4) continue;
          deliver(Buffer.from(buffer.subarray(4, bytes)));
        }
      },
      send(packet) {
        const framed = Buffer.concat([familyHeader(packet), packet]);
        if (libc.write(fd, framed) !== framed.length) throw new Error(`writing a packet to ${name} failed: errno ${libc.errno()}`);
      },
      release() {
        libc.close(fd);
        openDevices.delete(name);
      },
    },
    close,
  );
}

export const utunUndoers: Undoers = {
  // Another process's utun died with it (and took its addresses and routes along): nothing to run.
  utun: async (entry) => {
    const { name, pid } = entry as UtunEntry;
    if (name !== undefined && pid === process.pid) await openDevices.get(name)?.();
  },
};
