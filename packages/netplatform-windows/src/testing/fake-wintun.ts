import type { Handle, WintunApi } from '../wintun.js';

/**
 * A WintunApi that records each call (buffers as hex, handles by name) and answers like wintun.dll:
 * packets queued in `inbound` come out of WintunReceivePacket, sent ones land in `sent`.
 */
export function fakeWintun(options: { createFails?: boolean; ringFull?: boolean } = {}) {
  const calls: string[] = [];
  const inbound: Buffer[] = [];
  const sent: Buffer[] = [];
  const slots = new Map<string, Buffer>();
  let nextSlot = 0;
  const show = (v: unknown) =>
    Buffer.isBuffer(v) ? v.toString('hex') : typeof v === 'string' && v.startsWith('#') ? v : JSON.stringify(v);
  const record = (name: string, ...args: unknown[]) => calls.push(`${name}(${args.map(show).join(', ')})`);
  const api: WintunApi = {
    WintunCreateAdapter(name, type, guid) {
      record('WintunCreateAdapter', name, type, guid);
      return options.createFails ? null : '#adapter';
    },
    WintunCloseAdapter: (adapter) => void record('WintunCloseAdapter', adapter),
    WintunStartSession(adapter, capacity) {
      record('WintunStartSession', adapter, capacity);
      return '#session';
    },
    WintunEndSession: (session) => void record('WintunEndSession', session),
    WintunGetReadWaitEvent(session) {
      record('WintunGetReadWaitEvent', session);
      return '#event';
    },
    WintunReceivePacket(session, size) {
      const packet = inbound.shift();
      if (!packet) return null;
      record('WintunReceivePacket', session);
      const slot = `#rx${nextSlot++}`;
      slots.set(slot, packet);
      size[0] = packet.length;
      return slot;
    },
    WintunReleaseReceivePacket: (session, packet) => void record('WintunReleaseReceivePacket', session, packet),
    WintunAllocateSendPacket(session, size) {
      record('WintunAllocateSendPacket', session, size);
      if (options.ringFull) return null;
      const slot = `#tx${nextSlot++}`;
      slots.set(slot, Buffer.alloc(size));
      return slot;
    },
    WintunSendPacket(session, packet) {
      record('WintunSendPacket', session, packet);
      sent.push(slots.get(packet as string)!);
    },
    WaitForSingleObject: (_event: Handle, ms: number) => new Promise((resolve) => setTimeout(() => resolve(0x102), Math.min(ms, 5))),
    GetLastError: () => 5,
    copyFrom: (pointer, size) => Buffer.from(slots.get(pointer as string)!.subarray(0, size)),
    copyTo: (pointer, data) => void data.copy(slots.get(pointer as string)!),
  };
  return { api, calls, inbound, sent };
}
