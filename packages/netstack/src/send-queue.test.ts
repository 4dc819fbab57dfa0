import { describe, expect, it } from 'vitest';
import { SendQueue } from './send-queue.js';

/** The byte at absolute stream position k. */
const byteAt = (k: number) => (k * 7 + (k >> 9)) & 0xff;

describe('the send queue', () => {
  it('gives back exactly what was written, in any mix of small and large writes, copies and acknowledgements', () => {
    let seed = 7;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const queue = new SendQueue();
    let acked = 0;
    let written = 0;
    for (let step = 0; step < 4000; step++) {
      const action = next(4);
      if (action <= 1) {
        const size = next(3) ? next(60) : next(9000);
        const chunk = Buffer.alloc(size);
        for (let i = 0; i < size; i++) chunk[i] = byteAt(written + i);
        queue.push(chunk);
        if (size < 2048) chunk.fill(0); // a small write was copied: the caller may reuse its buffer
        written += size;
      } else if (action === 2 && written > acked) {
        const offset = next(written - acked);
        const length = next(Math.min(3000, written - acked - offset) + 1);
        const out = Buffer.alloc(length);
        queue.copy(offset, length, out, 0);
        for (let i = 0; i < length; i++)
          if (out[i] !== byteAt(acked + offset + i)) throw new Error(`byte ${acked + offset + i} wrong at step ${step}`);
      } else if (written > acked) {
        const n = next(written - acked + 1);
        queue.consume(n);
        acked += n;
      }
      expect(queue.bytes).toBe(written - acked);
    }
  });
});
