import { describe, expect, it } from 'vitest';
import { LaptopTcp, TCP_FLAGS as F, TestWire, tick } from './testing/index.js';

describe('TCP edge cases', () => {
  it('takes a new SYN on the ports of a connection in TIME_WAIT as a new connection', async () => {
    const wire = new TestWire();
    const laptop = new LaptopTcp(wire);
    const { conn } = await laptop.handshake();
    conn.resume();
    conn.end();
    await tick();
    laptop.absorb();
    laptop.fin();
    expect(conn.state).toBe('TIME_WAIT');
    const again = new LaptopTcp(wire, { isn: 500_000 });
    again.syn();
    expect(wire.connections).toHaveLength(2);
    expect(wire.connections[1]!.state).toBe('SYN_PENDING');
  });

  it('forgets a SYN the laptop resets before the owner answers', async () => {
    const wire = new TestWire();
    const laptop = new LaptopTcp(wire);
    laptop.syn();
    const conn = wire.connections[0]!;
    let closed = false;
    conn.on('close', () => (closed = true));
    wire.input(laptop.packet(F.RST, { seq: laptop.seq + 1 }));
    await tick();
    expect(closed).toBe(true);
    conn.accept(); // too late: nothing happens
    expect(wire.take()).toEqual([]);
    expect(wire.stack.stats.tcpActive).toBe(0);
  });

  it('sends what was written (and the FIN) before accept once the handshake completes', async () => {
    const wire = new TestWire();
    const laptop = new LaptopTcp(wire);
    laptop.syn();
    const conn = wire.connections[0]!;
    conn.end('banner');
    conn.accept();
    const [synAck] = wire.takeTcp();
    laptop.seq++;
    laptop.ack = synAck!.seq + 1;
    laptop.ackNow();
    await tick();
    laptop.absorb();
    expect(laptop.data().toString()).toBe('banner');
    expect(laptop.finReceived).toBe(true);
  });

  it('keeps no more out-of-order data than its window', async () => {
    const wire = new TestWire({ receiveBuffer: 8192 });
    const laptop = new LaptopTcp(wire, { wscale: 0 });
    const { conn } = await laptop.handshake();
    const start = laptop.seq;
    for (let at = 1000; at < 100_000; at += 1000) {
      laptop.seq = start + at;
      laptop.send(Buffer.alloc(1000, 1));
    }
    laptop.seq = start;
    laptop.send(Buffer.alloc(1000, 2));
    await tick();
    expect(conn.readableLength).toBeLessThanOrEqual(8192);
    expect(wire.takeTcp().at(-1)!.ack).toBe(start + 8192);
  });

  it('refuses SYNs beyond maxConnections', () => {
    const wire = new TestWire({ maxConnections: 2 });
    for (let port = 1; port <= 3; port++) new LaptopTcp(wire, { srcPort: port }).syn();
    expect(wire.connections).toHaveLength(2);
    expect(wire.takeTcp()).toEqual([expect.objectContaining({ dstPort: 3, flags: F.RST | F.ACK })]);
  });

  it('survives writes after the laptop reset the connection', async () => {
    const wire = new TestWire();
    const laptop = new LaptopTcp(wire);
    const { conn } = await laptop.handshake();
    wire.input(laptop.packet(F.RST));
    expect(() => conn.write('late')).not.toThrow();
    await tick();
    expect(conn.destroyed).toBe(true);
    expect(wire.takeTcp()).toEqual([]);
  });
});
