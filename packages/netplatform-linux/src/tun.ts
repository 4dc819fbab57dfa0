import { closeSync, openSync, read } from 'node:fs';
import koffi from 'koffi';
import type { TunDevice, TunFactory, TunOptions } from '@ktctl/netplatform';
import { type CommandRunner, type Journal, mustRun } from '@ktctl/netplatform';
import type { LinkAddedEntry } from './links.js';

/** From <linux/if_tun.h>. */
const TUNSETIFF = 0x400454ca;
const IFF_TUN = 0x0001;
const IFF_NO_PI = 0x1000;
const IFNAMSIZ = 16;
const IFREQ_SIZE = 40;
const DEFAULT_MTU = 1500;

type Ioctl = (fd: number, request: number, arg: Buffer) => number;
let ioctl: Ioctl | undefined;

function libcIoctl(): Ioctl {
  ioctl ??= koffi.load('libc.so.6').func('int ioctl(int fd, unsigned long request, void *arg)') as Ioctl;
  return ioctl;
}

/** A `struct ifreq` asking for a TUN device (raw IP packets, no packet-information header) of this name. */
export function tunIfreq(name: string): Buffer {
  if (!/^[A-Za-z0-9_.-]{1,15}$/.test(name)) throw new Error(`not an interface name: ${JSON.stringify(name)}`);
  const ifreq = Buffer.alloc(IFREQ_SIZE);
  ifreq.write(name, 0, IFNAMSIZ - 1, 'ascii');
  ifreq.writeUInt16LE(IFF_TUN | IFF_NO_PI, IFNAMSIZ);
  return ifreq;
}

/** The commands that address the device and bring it up. */
export function tunUpCommands(name: string, options: TunOptions): string[][] {
  return [
    ['addr', 'add', options.address, 'dev', name],
    ['link', 'set', name, 'mtu', String(options.mtu ?? DEFAULT_MTU), 'up'],
  ];
}

/**
 * TUN devices through /dev/net/tun. The device lives as long as its file descriptor, so a killed ktctl
 * loses it (and the routes through it) by itself; it is journaled as a link anyway so a clean removes it.
 */
export function createTunFactory(runner: CommandRunner, journal: Journal): TunFactory {
  return {
    async create(options) {
      const name = options.name ?? 'kt0';
      const ifreq = tunIfreq(name);
      if ((await runner('ip', ['link', 'show', name])).code === 0) throw new Error(`an interface named ${name} already exists`);
      const fd = openSync('/dev/net/tun', 'r+');
      const entry: LinkAddedEntry = { kind: 'link-added', name };
      try {
        await journal.change(entry, async () => {
          if (libcIoctl()(fd, TUNSETIFF, ifreq) !== 0) throw new Error(`TUNSETIFF ${name} failed: errno ${koffi.errno()}`);
          for (const args of tunUpCommands(name, options)) await mustRun(runner, 'ip', args);
        });
      } catch (error) {
        closeSync(fd);
        throw error;
      }
      return openDevice(fd, name, options.mtu ?? DEFAULT_MTU, () => journal.undoWhere((e) => e.kind === 'link-added' && e.name === name));
    },
  };
}

function openDevice(fd: number, name: string, mtu: number, removeLink: () => Promise<void>): TunDevice {
  const listeners: ((packet: Buffer) => void)[] = [];
  let closed = false;
  let reading: Promise<void> = Promise.resolve();
  const readLoop = () => {
    reading = new Promise((resolve) => {
      const next = () => {
        const buffer = Buffer.allocUnsafe(mtu + 64);
        // A blocking read in libuv's pool; deleting the link wakes it with an error when we close.
        read(fd, buffer, 0, buffer.length, null, (error, bytes) => {
          if (error || closed) return resolve();
          const packet = buffer.subarray(0, bytes);
          for (const listener of listeners) listener(packet);
          next();
        });
      };
      next();
    });
  };
  return {
    name,
    mtu,
    onPacket(listener) {
      listeners.push(listener);
      if (listeners.length === 1) readLoop();
    },
    write(packet) {
      if (closed) throw new Error(`${name} is closed`);
      koffiWrite(fd, packet);
    },
    async close() {
      if (closed) return;
      closed = true;
      await removeLink();
      await reading;
      closeSync(fd);
    },
  };
}

type Write = (fd: number, data: Buffer, length: number) => number;
let libcWrite: Write | undefined;

/** One packet per write(2): a TUN device takes each write as one packet, so it must not be split or merged. */
function koffiWrite(fd: number, packet: Buffer): void {
  libcWrite ??= koffi.load('libc.so.6').func('long write(int fd, const void *data, unsigned long length)') as Write;
  const written = libcWrite(fd, packet, packet.length);
  if (written !== packet.length) throw new Error(`writing a packet to the TUN device failed: errno ${koffi.errno()}`);
}
