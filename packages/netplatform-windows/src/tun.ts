import type { TunDevice, TunFactory, TunOptions } from '@ktctl/netplatform';
import { type CommandRunner, type Journal, type JournalEntry, type Undoers } from '@ktctl/netplatform';
import { isIpv6Cidr, netmask, tunDevice } from '@ktctl/netplatform';
import { netsh } from './netsh.js';
import { adapterGuid, type Handle, RING_CAPACITY, guidString, type WintunApi } from './wintun.js';

const DEFAULT_MTU = 1500;
/** How long the read loop waits for the read event before it looks whether the device was closed. */
const WAIT_MS = 250;

/**
 * A Wintun adapter ktctl created. Wintun removes an adapter made by WintunCreateAdapter when its handle
 * is closed, and Windows closes the handles of a process that dies: a killed run's adapter (with its
 * address, DNS servers and routes) is gone with it.
 */
export interface WintunAdapterEntry extends JournalEntry {
  readonly kind: 'wintun-adapter';
  readonly name: string;
  readonly guid: string;
  readonly pid: number;
}

/** The netsh commands that address the adapter and set its MTU. */
export function adapterSetupCommands(name: string, options: TunOptions): string[][] {
  const [address, prefix] = options.address.split('/');
  const mtu = `mtu=${options.mtu ?? DEFAULT_MTU}`;
  if (isIpv6Cidr(options.address)) {
    return [
      ['interface', 'ipv6', 'add', 'address', `interface=${name}`, `address=${address}/${prefix ?? '128'}`, 'store=active'],
      ['interface', 'ipv6', 'set', 'subinterface', name, mtu, 'store=active'],
    ];
  }
  return [
    ['interface', 'ipv4', 'set', 'address', `name=${name}`, 'static', address!, netmask(Number(prefix ?? 32))],
    ['interface', 'ipv4', 'set', 'subinterface', name, mtu, 'store=active'],
  ];
}

const openAdapters = new Map<string, () => Promise<void>>();

/** Wintun adapters: created (journaled first), addressed with netsh, read by a loop on the read event. */
export function createWintunFactory(runner: CommandRunner, journal: Journal, wintun: () => WintunApi): TunFactory {
  return {
    async create(options) {
      const name = options.name ?? 'kt0';
      if (!/^[A-Za-z0-9 _.-]{1,64}$/.test(name)) throw new Error(`not an adapter name: ${JSON.stringify(name)}`);
      const api = wintun();
      const guid = adapterGuid(name);
      const entry: WintunAdapterEntry = { kind: 'wintun-adapter', name, guid: guidString(guid), pid: process.pid };
      let device: TunDevice | undefined;
      await journal.change(entry, async () => {
        const adapter = api.WintunCreateAdapter(name, 'ktctl', guid);
        if (!adapter) throw new Error(`WintunCreateAdapter ${name} failed: error ${api.GetLastError()}`);
        const session = api.WintunStartSession(adapter, RING_CAPACITY);
        if (!session) {
          const code = api.GetLastError();
          api.WintunCloseAdapter(adapter);
          throw new Error(`WintunStartSession ${name} failed: error ${code}`);
        }
        const close = () => journal.undoWhere((e) => e.kind === 'wintun-adapter' && e.name === name);
        const opened = openDevice(api, adapter, session, name, options.mtu ?? DEFAULT_MTU, close);
        openAdapters.set(name, opened.shutdown);
        for (const args of adapterSetupCommands(name, options)) await netsh(runner, args);
        device = opened.device;
      });
      return device!;
    },
  };
}

function openDevice(api: WintunApi, adapter: Handle, session: Handle, name: string, mtu: number, close: () => Promise<void>) {
  const readEvent = api.WintunGetReadWaitEvent(session);
  return tunDevice(
    {
      name,
      mtu,
      async readLoop(deliver, isClosed) {
        while (!isClosed()) {
          const size = [0];
          for (let packet = api.WintunReceivePacket(session, size); packet; packet = api.WintunReceivePacket(session, size)) {
            const bytes = api.copyFrom(packet, size[0]!);
            api.WintunReleaseReceivePacket(session, packet);
            deliver(bytes);
          }
          // Signalled when packets arrive; the timeout only bounds how long close() waits for this loop.
          await api.WaitForSingleObject(readEvent, WAIT_MS);
        }
      },
      send(packet) {
        const slot = api.WintunAllocateSendPacket(session, packet.length);
        if (!slot) return;
        api.copyTo(slot, packet);
        api.WintunSendPacket(session, slot);
      },
      release() {
        api.WintunEndSession(session);
        api.WintunCloseAdapter(adapter);
        openAdapters.delete(name);
      },
    },
    close,
  );
}

export const wintunUndoers: Undoers = {
  // Another process's adapter went with it: nothing to run.
  'wintun-adapter': async (entry) => {
    const { name, pid } = entry as WintunAdapterEntry;
    if (pid === process.pid) await openAdapters.get(name)?.();
  },
};
