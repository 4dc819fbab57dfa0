import type { TunDevice } from './contract.js';

/** What an OS adapter supplies to make a TunDevice: its read loop, its write and its release of the handle. */
export interface TunDeviceDriver {
  readonly name: string;
  readonly mtu: number;
  /** Reads until `isClosed()` turns true, handing every packet to `deliver`; started with the first listener. */
  readLoop(deliver: (packet: Buffer) => void, isClosed: () => boolean): Promise<void>;
  /** Writes one IP packet (only called while open). */
  send(packet: Buffer): void;
  /** Frees the OS handle, once the read loop has ended. */
  release(): void;
}

/**
 * The OS-independent half of a TUN device: listeners, the read loop started by the first one, writes refused
 * once closed, and a shutdown that stops the loop before the handle goes. `close` is the session's undo (it
 * ends up calling `shutdown`).
 */
export function tunDevice(driver: TunDeviceDriver, close: () => Promise<void>): { device: TunDevice; shutdown: () => Promise<void> } {
  const listeners: ((packet: Buffer) => void)[] = [];
  let closed = false;
  let reading: Promise<void> = Promise.resolve();
  const deliver = (packet: Buffer) => {
    for (const listener of listeners) listener(packet);
  };
  const device: TunDevice = {
    name: driver.name,
    mtu: driver.mtu,
    onPacket(listener) {
      listeners.push(listener);
      if (listeners.length === 1) reading = driver.readLoop(deliver, () => closed);
    },
    write(packet) {
      if (closed) throw new Error(`${driver.name} is closed`);
      driver.send(packet);
    },
    close,
  };
  const shutdown = async () => {
    if (closed) return;
    closed = true;
    await reading;
    driver.release();
  };
  return { device, shutdown };
}
