import { describe, expect, it } from 'vitest';
import { LaptopTcp, TCP_FLAGS as F, TestWire, tick } from './testing/index.js';

describe('TCP handshake', () => {
  it('waits for the owner, then answers a SYN with a SYN-ACK offering MSS and window scale', async () => {
    const wire = new TestWire({ mtu: 1500 });
    const laptop = new LaptopTcp(wire, { wscale: 7, mss: 1460 });
    laptop.syn();
    expect(wire.take()).toEqual([]);
    laptop.syn(); // retransmitted while the owner dials
    expect(wire.connections).toHaveLength(1);
    const conn = wire.connections[0]!;
    expect(conn.source).toEqual({ address: '10.0.0.2', port: 40000 });
    expect(conn.destination).toEqual({ address: '10.96.0.10', port: 80 });
    conn.accept();
    const [synAck] = wire.takeTcp();
    expect(synAck).toMatchObject({ flags: F.SYN | F.ACK, ack: 1001, mss: 1460, wscale: 7, srcPort: 80, dstPort: 40000 });
    laptop.seq = 1001;
    laptop.ack = synAck!.seq + 1;
    laptop.ackNow();
    expect(conn.state).toBe('ESTABLISHED');
    expect(wire.stack.stats).toMatchObject({ tcpActive: 1, tcpTotal: 1 });
  });

  it('sends no window scale to a laptop that offered none', async () => {
    const wire = new TestWire();
    new LaptopTcp(wire).syn();
    wire.connections[0]!.accept();
    const [synAck] = wire.takeTcp();
    expect(synAck!.wscale).toBeUndefined();
    expect(synAck!.window).toBe(65535);
  });

  it('refuses with a RST that acknowledges the SYN, and the stream closes', async () => {
    const wire = new TestWire();
    new LaptopTcp(wire, { isn: 0xfffffff0 }).syn();
    const conn = wire.connections[0]!;
    let closed = false;
    conn.on('close', () => (closed = true));
    conn.refuse();
    expect(wire.takeTcp()).toEqual([expect.objectContaining({ flags: F.RST | F.ACK, ack: 0xfffffff1 })]);
    await tick();
    expect(closed).toBe(true);
    expect(wire.stack.stats.tcpActive).toBe(0);
  });

  it('answers segments of unknown connections with a RST', () => {
    const wire = new TestWire();
    const laptop = new LaptopTcp(wire);
    laptop.ack = 5555;
    laptop.send(Buffer.from('stray'));
    expect(wire.takeTcp()).toEqual([expect.objectContaining({ flags: F.RST, seq: 5555 })]);
    expect(wire.connections).toHaveLength(0);
  });

  it('refuses a SYN the owner never answers', () => {
    const wire = new TestWire({ acceptTimeoutMs: 5000 });
    new LaptopTcp(wire).syn();
    wire.clock.advance(5001);
    expect(wire.takeTcp()).toEqual([expect.objectContaining({ flags: F.RST | F.ACK })]);
  });
});

describe('TCP data', () => {
  it('delivers the laptop data in order, exactly once, and acknowledges it', async () => {
    const wire = new TestWire();
    const laptop = new LaptopTcp(wire);
    const { conn } = await laptop.handshake();
    const chunks: Buffer[] = [];
    conn.on('data', (c: Buffer) => chunks.push(c));
    laptop.send(Buffer.from('hello '));
    laptop.send(Buffer.from('world'));
    const acks = wire.takeTcp();
    expect(acks.at(-1)).toMatchObject({ flags: F.ACK, ack: laptop.seq });
    await tick();
    expect(Buffer.concat(chunks).toString()).toBe('hello world');
  });

  it('sends written data to the laptop in segments of at most the MSS', async () => {
    const wire = new TestWire();
    const laptop = new LaptopTcp(wire, { mss: 1000 });
    const { conn } = await laptop.handshake();
    const payload = Buffer.alloc(5000, 7);
    for (let i = 0; i < payload.length; i++) payload[i] = i & 0xff;
    conn.write(payload);
    await tick();
    const segments = laptop.absorb();
    expect(segments.map((s) => s.data.length)).toEqual([1000, 1000, 1000, 1000, 1000]);
    expect(laptop.data()).toEqual(payload);
    expect(segments.at(-1)!.flags & F.PSH).toBeTruthy();
  });

  it('half-closes both ways: the laptop FIN ends the readable side, end() sends FIN after the data', async () => {
    const wire = new TestWire();
    const laptop = new LaptopTcp(wire);
    const { conn } = await laptop.handshake();
    let ended = false;
    let closed = false;
    conn.on('end', () => (ended = true));
    conn.on('close', () => (closed = true));
    conn.resume();
    laptop.send(Buffer.from('request'));
    laptop.fin();
    await tick();
    expect(ended).toBe(true);
    expect(conn.state).toBe('CLOSE_WAIT');
    expect(wire.takeTcp().at(-1)).toMatchObject({ ack: laptop.seq });
    conn.write('response ');
    conn.end('done');
    await tick();
    laptop.absorb();
    expect(laptop.data().toString()).toBe('response done');
    expect(laptop.finReceived).toBe(true);
    expect(conn.state).toBe('LAST_ACK');
    laptop.ackNow();
    await tick();
    expect(conn.state).toBe('CLOSED');
    expect(closed).toBe(true);
    expect(wire.stack.stats.tcpActive).toBe(0);
  });

  it('keeps receiving after the owner ended its side, then waits briefly in TIME_WAIT', async () => {
    const wire = new TestWire({ timeWaitMs: 2000 });
    const laptop = new LaptopTcp(wire);
    const { conn } = await laptop.handshake();
    const chunks: Buffer[] = [];
    conn.on('data', (c: Buffer) => chunks.push(c));
    conn.end();
    await tick();
    laptop.absorb();
    expect(laptop.finReceived).toBe(true);
    laptop.ackNow();
    expect(conn.state).toBe('FIN_WAIT_2');
    laptop.send(Buffer.from('still talking'));
    laptop.fin();
    await tick();
    expect(Buffer.concat(chunks).toString()).toBe('still talking');
    expect(conn.state).toBe('TIME_WAIT');
    wire.take();
    laptop.seq = (laptop.seq - 1) >>> 0;
    laptop.fin(); // our ACK of its FIN was lost: it comes again and is acknowledged again
    expect(wire.takeTcp()).toEqual([expect.objectContaining({ flags: F.ACK, ack: laptop.seq })]);
    wire.clock.advance(2001);
    expect(conn.state).toBe('CLOSED');
    expect(wire.stack.stats.tcpActive).toBe(0);
  });

  it('is destroyed (close fires) by a RST from the laptop', async () => {
    const wire = new TestWire();
    const laptop = new LaptopTcp(wire);
    const { conn } = await laptop.handshake();
    let closed = false;
    conn.on('close', () => (closed = true));
    laptop.send(Buffer.alloc(0), F.RST);
    await tick();
    expect(closed).toBe(true);
    expect(conn.abortReason).toBe('reset by the laptop');
    expect(wire.stack.stats.tcpActive).toBe(0);
  });

  it('sends a RST when its owner destroys it', async () => {
    const wire = new TestWire();
    const laptop = new LaptopTcp(wire);
    const { conn } = await laptop.handshake();
    conn.destroy();
    expect(wire.takeTcp()).toEqual([expect.objectContaining({ flags: F.RST | F.ACK, seq: laptop.ack })]);
    expect(wire.stack.stats.tcpActive).toBe(0);
  });

  it('resets every connection when the stack closes', async () => {
    const wire = new TestWire();
    const a = new LaptopTcp(wire, { srcPort: 1 });
    const b = new LaptopTcp(wire, { srcPort: 2 });
    await a.handshake();
    await b.handshake();
    wire.stack.close();
    expect(wire.takeTcp().map((s) => [s.dstPort, s.flags & F.RST])).toEqual([
      [1, F.RST],
      [2, F.RST],
    ]);
    expect(wire.clock.pending).toBe(0);
  });
});
