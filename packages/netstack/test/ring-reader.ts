// An experimental device reader for the benchmark (KTN_READER=ring): a worker thread blocks in read(2) in a
// loop and fills fixed-size slots of a shared ring; the main thread wakes (Atomics.waitAsync) and takes every
// packet waiting in one go, instead of one libuv thread-pool round trip per packet.
import { Worker } from 'node:worker_threads';

const RING_BYTES = 16 << 20;

const WORKER = `
const { workerData } = require('node:worker_threads');
const koffi = require('koffi');
const read = koffi.load('libc.so.6').func('long read(int fd, void *data, unsigned long length)');
const { fd, slot, slots, control, ring } = workerData;
const words = new Int32Array(control); // [0] packets written, [1] packets taken, [2] stop
const lengths = new Int32Array(control, 16);
const bytes = new Uint8Array(ring);
for (;;) {
  if (Atomics.load(words, 2)) break;
  const head = words[0];
  const tail = Atomics.load(words, 1);
  if (head - tail >= slots) { Atomics.wait(words, 1, tail, 50); continue; }
  const at = (head % slots) * slot;
  const n = Number(read(fd, bytes.subarray(at, at + slot), slot));
  if (n <= 0) break;
  lengths[head % slots] = n;
  Atomics.store(words, 0, head + 1);
  Atomics.notify(words, 0);
}
`;

type WaitAsync = (array: Int32Array, index: number, value: number) => { async: boolean; value: Promise<unknown> | string };

/** Reads packets of `fd` on a worker thread, handing each to `onPacket` (a view into the ring: copy what you keep). */
export function startRingReader(fd: number, mtu: number, onPacket: (packet: Buffer) => void): { stop(): void } {
  const slot = (mtu + 64 + 7) & ~7;
  const slots = Math.max(64, Math.floor(RING_BYTES / slot));
  const control = new SharedArrayBuffer(16 + 4 * slots);
  const ring = new SharedArrayBuffer(slot * slots);
  const words = new Int32Array(control);
  const lengths = new Int32Array(control, 16);
  const worker = new Worker(WORKER, { eval: true, workerData: { fd, slot, slots, control, ring } });
  worker.unref();
  const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;
  let stopped = false;
  const drain = (): void => {
    if (stopped) return;
    let tail = words[1]!;
    const head = Atomics.load(words, 0);
    while (tail !== head) {
      const index = tail % slots;
      onPacket(Buffer.from(ring, index * slot, lengths[index]!));
      tail++;
    }
    Atomics.store(words, 1, tail);
    Atomics.notify(words, 1);
    const wait = waitAsync(words, 0, head);
    if (wait.async) void (wait.value as Promise<unknown>).then(drain);
    else setImmediate(drain);
  };
  drain();
  return {
    stop() {
      stopped = true;
      Atomics.store(words, 2, 1);
      void worker.terminate();
    },
  };
}
