import { describe, expect, it } from 'vitest';
import { LaptopTcp, TCP_FLAGS as F, TestWire, tick } from './testing/index.js';

describe('TCP windows and segment sizes', () => {
  it('offers a scaled 4 MiB receive window and honours the laptop scale', async () => {
    const wire = new TestWire();
    const laptop = new LaptopTcp(wire, { wscale: 2, window: 1000, mss: 1460 });
    const { conn, synAck } = await laptop.handshake();
    expect(synAck.wscale).toBe(7);
    conn.write(Buffer.alloc(10_000, 1));
    await tick();
    const segments = laptop.absorb();
    // 1000 << 2 = 4000 bytes of window
    expect(segments.reduce((n, s) => n + s.data.length, 0)).toBe(4000);
    laptop.ackNow();
    const ack = wire.takeTcp();
    expect(ack.reduce((n, s) => n + s.data.length, 0)).toBe(4000);
    laptop.send(Buffer.from('x'));
    wire.clock.advance(2); // the delayed ACK
    const [pure] = wire.takeTcp().slice(-1);
    expect(pure!.window * 128).toBeGreaterThan(4 * 1024 * 1024 - 128 * 2);
  });

  it('announces an MSS from the MTU and sends no segment larger than the laptop MSS', async () => {
    const wire = new TestWire({ mtu: 9000 });
    const laptop = new LaptopTcp(wire, { mss: 500, wscale: 7 });
    const { conn, synAck } = await laptop.handshake();
    expect(synAck.mss).toBe(8960);
    conn.write(Buffer.alloc(1200, 2));
    await tick();
    expect(laptop.absorb().map((s) => s.data.length)).toEqual([500, 500, 200]);
    const v6 = new TestWire({ mtu: 65000 });
    const six = new LaptopTcp(v6, { src: 'fd00::2', dst: 'fd00:96::10' });
    six.syn();
    v6.connections[0]!.accept();
    expect(v6.takeTcp()[0]!.mss).toBe(64940);
  });

  it('probes a zero window and sends as soon as it reopens', async () => {
    const wire = new TestWire();
    const laptop = new LaptopTcp(wire, { wscale: 0, window: 0 });
    const { conn } = await laptop.handshake();
    conn.write(Buffer.alloc(3000, 3));
    await tick();
    expect(wire.takeTcp()).toEqual([]);
    wire.clock.advance(250);
    const [probe] = wire.takeTcp();
    expect(probe).toMatchObject({ flags: F.ACK, seq: (laptop.ack - 1) >>> 0 });
    expect(probe!.data.length).toBe(0);
    wire.clock.advance(450);
    expect(wire.takeTcp()).toHaveLength(1); // backed off: a second probe only
    laptop.ackNow(2000);
    await tick();
    expect(laptop.absorb().map((s) => s.data.length)).toEqual([1460, 540]);
  });

  it('shrinks its window to zero for a reader that stops, and reopens it when reading resumes', async () => {
    const wire = new TestWire({ receiveBuffer: 64 * 1024 });
    const laptop = new LaptopTcp(wire, { wscale: 0 });
    const { conn, synAck } = await laptop.handshake();
    expect(synAck.window).toBe(65535);
    let window = synAck.window;
    for (let sent = 0; sent < 64 * 1024;) {
      const n = Math.min(1460, 64 * 1024 - sent);
      laptop.send(Buffer.alloc(n, 4));
      sent += n;
      const acks = wire.takeTcp();
      if (acks.length) window = acks.at(-1)!.window * 2;
    }
    wire.clock.advance(5);
    const last = wire.takeTcp().at(-1);
    if (last) window = last.window * 2;
    expect(window).toBe(0);
    expect(conn.readableLength).toBe(64 * 1024);
    // data beyond the window is not taken
    laptop.send(Buffer.alloc(1000, 5));
    expect(wire.takeTcp().at(-1)).toMatchObject({ ack: (laptop.seq - 1000) >>> 0, window: 0 });
    laptop.seq = (laptop.seq - 1000) >>> 0;
    // a zero-window probe as Linux sends it (one below the window, no data) is answered
    wire.input(laptop.packet(F.ACK, { seq: (laptop.seq - 1) >>> 0 }));
    expect(wire.takeTcp()).toEqual([expect.objectContaining({ ack: laptop.seq, window: 0 })]);
    expect(conn.read(20_000)).toHaveLength(20_000);
    const update = wire.takeTcp();
    expect(update).toHaveLength(1);
    expect(update[0]!.window * 2).toBeGreaterThanOrEqual(20_000);
  });

  it('makes write() return false beyond its send buffer and drains when the laptop acknowledges', async () => {
    const wire = new TestWire({ sendBuffer: 16 * 1024 });
    const laptop = new LaptopTcp(wire, { window: 4000, wscale: 0 });
    const { conn } = await laptop.handshake();
    let drained = false;
    conn.on('drain', () => (drained = true));
    const results = [];
    for (let i = 0; i < 6; i++) results.push(conn.write(Buffer.alloc(8 * 1024, i)));
    expect(results).toEqual([true, true, false, false, false, false]);
    await tick();
    let total = 0;
    for (let round = 0; round < 20 && total < 48 * 1024; round++) {
      total += laptop.absorb().reduce((n, s) => n + s.data.length, 0);
      laptop.ackNow();
      await tick();
    }
    expect(total).toBe(48 * 1024);
    expect(drained).toBe(true);
    expect(laptop.data().subarray(40 * 1024)).toEqual(Buffer.alloc(8 * 1024, 5));
  });
});
