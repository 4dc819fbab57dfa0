// Whatever arrives from the device, input() must not throw: it runs in the device's read loop.
import { describe, expect, it } from 'vitest';
import { ipPacket, LaptopTcp, tcpPacket, TestWire, tick, udpPacket } from './testing/index.js';

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
}

describe('hostile or broken input', () => {
  it.each([1, 42, 7777, 31337, 99991])(
    'never throws on random bytes, truncated packets or random valid-checksum headers (seed %i)',
    async (seed) => {
      const next = random(seed);
      const int = (n: number) => Math.floor(next() * n);
      const wire = new TestWire({ icmpEcho: () => 'reply' });
      const laptop = new LaptopTcp(wire);
      await laptop.handshake();
      wire.onConnection = (conn) => (int(2) ? conn.accept() : conn.refuse());
      const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));
      for (let i = 0; i < 3000; i++) {
        const kind = int(6);
        let packet: Buffer;
        if (kind === 0) packet = bytes(int(120));
        else if (kind === 1) packet = Buffer.concat([Buffer.from([0x45]), bytes(int(80))]);
        else if (kind === 2) packet = Buffer.concat([Buffer.from([0x60]), bytes(int(120))]);
        else if (kind === 3) {
          packet = tcpPacket({
            src: '10.0.0.2',
            dst: '10.96.0.10',
            srcPort: 40000 + int(3),
            dstPort: 80,
            seq: int(2 ** 32),
            ack: int(2 ** 32),
            flags: int(64),
            window: int(65536),
            mss: int(2) ? int(65536) : undefined,
            wscale: int(2) ? int(20) : undefined,
            data: bytes(int(100)),
          });
        } else if (kind === 4) {
          // random options area with a valid checksum
          const options = bytes(4 * int(10));
          packet = ipPacket({
            src: '10.0.0.2',
            dst: '10.96.0.10',
            protocol: 6,
            payload: Buffer.concat([
              bytes(12),
              Buffer.from([((20 + options.length) / 4) << 4, int(64)]),
              bytes(6),
              options,
              bytes(int(20)),
            ]),
          });
        } else {
          const v4 = int(2) === 1;
          packet = udpPacket({
            src: v4 ? '10.0.0.2' : 'fd00::2',
            dst: v4 ? '10.96.0.10' : 'fd00::10',
            srcPort: int(65536),
            dstPort: int(65536),
            data: bytes(int(50)),
          });
          if (int(2)) packet = packet.subarray(0, int(packet.length));
        }
        expect(() => wire.input(packet)).not.toThrow();
        if (i % 100 === 0) wire.clock.advance(int(5000));
      }
      await tick();
      wire.clock.advance(600_000);
      wire.stack.close();
      expect(wire.clock.pending).toBe(0);
    },
  );
});
