import { describe, expect, it } from 'vitest';
import { LaptopTcp, TCP_FLAGS as F, TestWire, tick } from './testing/index.js';

describe('TCP loss, reordering and duplicates', () => {
  it('retransmits a lost segment when its RTO runs out', async () => {
    const wire = new TestWire();
    const laptop = new LaptopTcp(wire);
    const { conn } = await laptop.handshake();
    let lose = true;
    wire.dropOutput = (p) => lose && (p.tcp?.data.length ?? 0) > 0;
    conn.write(Buffer.from('lost once'));
    await tick();
    expect(wire.take()).toEqual([]);
    lose = false;
    wire.clock.advance(199);
    expect(wire.take()).toEqual([]);
    wire.clock.advance(2);
    laptop.absorb();
    expect(laptop.data().toString()).toBe('lost once');
    expect(wire.stack.stats.retransmits).toBe(1);
  });

  it('does not retransmit when the ACK was waiting behind a stalled event loop', async () => {
    const wire = new TestWire();
    const laptop = new LaptopTcp(wire);
    const { conn } = await laptop.handshake();
    conn.write(Buffer.from('delivered'));
    await tick();
    laptop.absorb();
    wire.clock.advanceOnce(200); // the RTO timer runs first...
    laptop.ackNow(); // ...then the ACK that was already read
    wire.clock.advance(1);
    expect(wire.takeTcp()).toEqual([]);
    expect(wire.stack.stats.retransmits).toBe(0);
  });

  it('backs off exponentially, then gives up with a RST and closes the stream', async () => {
    const wire = new TestWire();
    const laptop = new LaptopTcp(wire);
    const { conn } = await laptop.handshake();
    const times: number[] = [];
    wire.dropOutput = (p) => {
      if ((p.tcp?.data.length ?? 0) > 0) times.push(wire.clock.now());
      return (p.tcp?.data.length ?? 0) > 0;
    };
    let closed = false;
    conn.on('close', () => (closed = true));
    conn.write(Buffer.from('nobody hears this'));
    await tick();
    wire.clock.advance(200_000);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(gaps).toEqual([200, 400, 800, 1600, 3200, 6400, 12800, 25600]);
    expect(wire.takeTcp().at(-1)).toMatchObject({ flags: F.RST | F.ACK });
    await tick();
    expect(closed).toBe(true);
    expect(conn.abortReason).toBe('retransmission timeout');
    expect(wire.clock.pending).toBe(0);
  });

  it('retransmits the SYN-ACK until the handshake completes', () => {
    const wire = new TestWire();
    const laptop = new LaptopTcp(wire);
    laptop.syn();
    wire.connections[0]!.accept();
    expect(wire.takeTcp()).toHaveLength(1);
    wire.clock.advance(1000);
    expect(wire.takeTcp()).toEqual([expect.objectContaining({ flags: F.SYN | F.ACK })]);
    laptop.syn(); // the laptop's SYN again: answered at once
    expect(wire.takeTcp()).toEqual([expect.objectContaining({ flags: F.SYN | F.ACK })]);
    expect(wire.connections).toHaveLength(1);
  });

  it('fast-retransmits on three duplicate ACKs, before any timeout', async () => {
    const wire = new TestWire();
    const laptop = new LaptopTcp(wire, { mss: 1000 });
    const { conn } = await laptop.handshake();
    let first = true;
    wire.dropOutput = (p) => {
      if ((p.tcp?.data.length ?? 0) > 0 && first) return !(first = false);
      return false;
    };
    const payload = Buffer.alloc(6000);
    for (let i = 0; i < payload.length; i++) payload[i] = i % 251;
    conn.write(payload);
    await tick();
    expect(wire.takeTcp()).toHaveLength(5);
    for (let i = 0; i < 3; i++) laptop.ackNow();
    const [resent] = wire.takeTcp();
    expect(resent).toMatchObject({ seq: laptop.ack });
    expect(resent!.data).toEqual(payload.subarray(0, 1000));
    expect(wire.stack.stats.retransmits).toBe(1);
  });

  it('with SACK, resends every hole the laptop reports, one per duplicate ACK, before any timeout', async () => {
    const wire = new TestWire();
    const laptop = new LaptopTcp(wire, { mss: 1000, sackPermitted: true });
    const { conn } = await laptop.handshake();
    const base = laptop.ack;
    const lost = new Set([base + 1000, base + 4000]);
    wire.dropOutput = (p) => (p.tcp?.data.length ?? 0) > 0 && lost.delete(p.tcp!.seq);
    conn.write(Buffer.alloc(8000, 3));
    await tick();
    expect(wire.takeTcp().map((s) => s.seq - base)).toEqual([0, 2000, 3000, 5000, 6000, 7000]);
    const sack = (...ranges: [number, number][]) => ranges.map(([a, b]) => [base + a, base + b] as [number, number]);
    wire.input(laptop.packet(F.ACK, { ack: base + 1000 }));
    wire.input(laptop.packet(F.ACK, { ack: base + 1000, sack: sack([2000, 4000]) }));
    wire.input(laptop.packet(F.ACK, { ack: base + 1000, sack: sack([5000, 6000], [2000, 4000]) }));
    wire.input(laptop.packet(F.ACK, { ack: base + 1000, sack: sack([5000, 7000], [2000, 4000]) }));
    expect(wire.takeTcp().map((s) => s.seq - base)).toEqual([1000]); // fast retransmit of the first hole
    wire.input(laptop.packet(F.ACK, { ack: base + 1000, sack: sack([5000, 8000], [2000, 4000]) }));
    expect(wire.takeTcp().map((s) => s.seq - base)).toEqual([4000]); // the next hole at once, no round trip
    wire.input(laptop.packet(F.ACK, { ack: base + 8000 }));
    await tick();
    expect(conn.writableLength).toBe(0);
    expect(wire.stack.stats.retransmits).toBe(2);
  });

  it('buffers segments that arrive ahead of a hole and delivers everything in order once', async () => {
    const wire = new TestWire();
    const laptop = new LaptopTcp(wire);
    const { conn } = await laptop.handshake();
    const chunks: Buffer[] = [];
    conn.on('data', (c: Buffer) => chunks.push(c));
    const start = laptop.seq;
    laptop.seq = start + 5;
    laptop.send(Buffer.from('world'));
    expect(wire.takeTcp()).toEqual([expect.objectContaining({ ack: start })]); // a duplicate ACK at once
    laptop.seq = start + 10;
    laptop.send(Buffer.from('!'), F.ACK | F.FIN);
    laptop.seq = start;
    laptop.send(Buffer.from('hello'));
    laptop.send(Buffer.from('hello')); // and a duplicate of it
    await tick();
    expect(Buffer.concat(chunks).toString()).toBe('helloworld!');
    expect(conn.readableEnded).toBe(true);
    expect(wire.takeTcp().map((s) => s.ack)).toEqual([start, start + 12, start + 12]);
  });

  it('tells a laptop that offered SACK which segments beyond a hole it holds', async () => {
    const wire = new TestWire();
    const laptop = new LaptopTcp(wire, { sackPermitted: true });
    const { synAck } = await laptop.handshake();
    expect(synAck.sackPermitted).toBe(true);
    const start = laptop.seq;
    const at = (offset: number, text: string) => {
      laptop.seq = start + offset;
      laptop.send(Buffer.from(text));
      return wire.takeTcp().at(-1)!;
    };
    expect(at(10, 'bbbbb').sack).toEqual([[start + 10, start + 15]]);
    expect(at(20, 'ccccc').sack).toEqual([
      [start + 20, start + 25],
      [start + 10, start + 15],
    ]);
    expect(at(15, 'ddddd').sack).toEqual([[start + 10, start + 25]]);
    const filled = at(0, 'aaaaaaaaaa');
    expect(filled).toMatchObject({ ack: start + 25 });
    expect(filled.sack).toBeUndefined();
    const plain = new TestWire();
    const noSack = new LaptopTcp(plain);
    expect((await noSack.handshake()).synAck.sackPermitted).toBeUndefined();
  });

  it('counts sequence numbers across 2^32 both ways', async () => {
    const wire = new TestWire({ initialSequence: () => 0xfffffc00 });
    const laptop = new LaptopTcp(wire, { isn: 0xfffffe00, mss: 1000 });
    const { conn } = await laptop.handshake();
    const chunks: Buffer[] = [];
    conn.on('data', (c: Buffer) => chunks.push(c));
    const up = Buffer.alloc(3000);
    for (let i = 0; i < up.length; i++) up[i] = (i * 13) & 0xff;
    for (let at = 0; at < up.length; at += 700) laptop.send(up.subarray(at, at + 700));
    await tick();
    expect(Buffer.concat(chunks)).toEqual(up);
    conn.write(up);
    await tick();
    laptop.absorb();
    laptop.ackNow();
    await tick();
    laptop.absorb();
    expect(laptop.data()).toEqual(up);
    expect(laptop.ack).toBeLessThan(0x10000);
    conn.end();
    await tick();
    laptop.absorb();
    expect(laptop.finReceived).toBe(true);
  });

  it('drops segments with a bad checksum', async () => {
    const wire = new TestWire();
    const laptop = new LaptopTcp(wire);
    const { conn } = await laptop.handshake();
    const chunks: Buffer[] = [];
    conn.on('data', (c: Buffer) => chunks.push(c));
    wire.input(laptop.packet(F.ACK | F.PSH, { data: Buffer.from('bad'), badChecksum: true }));
    await tick();
    expect(chunks).toEqual([]);
    expect(wire.stack.stats.dropped).toBe(1);
    expect(wire.logs).toContain('dropped: bad TCP checksum');
  });
});
