// A test "wire": a stack with a fake clock whose output packets are parsed and collected, and a hand-driven
// laptop TCP to talk to it.
import { NetStack } from '../netstack.js';
import type { StackClock, StackOptions, TcpConnection, UdpDatagram } from '../types.js';
import { type ParsedPacket, type ParsedTcp, parsePacket, TCP_FLAGS, tcpPacket } from './packets.js';

/** Timers that only run when the test advances time. */
export class FakeClock implements StackClock {
  private time = 0;
  private nextId = 1;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.set(id, { at: this.time + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Moves time forward, running the timers that come due in order. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.timers) if (entry[1].at <= end && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.timers.delete(next[0]);
      this.time = next[1].at;
      next[1].fn();
    }
    this.time = end;
  }

  /** Moves time forward running only the timers already set and due: what they set waits for later. */
  advanceOnce(ms: number): void {
    const end = this.time + ms;
    const due = [...this.timers].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at);
    this.time = end;
    for (const [id, timer] of due) {
      this.timers.delete(id);
      timer.fn();
    }
  }

  get pending(): number {
    return this.timers.size;
  }
}

/** Lets queued microtasks and immediates (the stack's send flushes) run. */
export const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class TestWire {
  readonly clock = new FakeClock();
  readonly sent: ParsedPacket[] = [];
  readonly connections: TcpConnection[] = [];
  readonly datagrams: UdpDatagram[] = [];
  readonly logs: string[] = [];
  readonly stack: NetStack;
  /** Return true to lose a packet on its way from the stack to the laptop. */
  dropOutput: ((packet: ParsedPacket) => boolean) | undefined;
  /** Called on each new connection (default: nothing, the test accepts). */
  onConnection: ((conn: TcpConnection) => void) | undefined;

  constructor(options: Partial<StackOptions> = {}) {
    this.stack = new NetStack({
      mtu: 1500,
      output: (buffer) => {
        const packet = parsePacket(buffer);
        if (!packet.checksumOk) throw new Error('the stack sent a packet with a bad checksum');
        if (!this.dropOutput?.(packet)) this.sent.push(packet);
      },
      onTcpConnection: (conn) => {
        this.connections.push(conn);
        this.onConnection?.(conn);
      },
      onUdpDatagram: (datagram) => this.datagrams.push(datagram),
      clock: this.clock,
      log: (message) => this.logs.push(message),
      ...options,
    });
  }

  input(packet: Buffer): void {
    this.stack.input(packet);
  }

  /** Takes the packets sent so far. */
  take(): ParsedPacket[] {
    return this.sent.splice(0);
  }

  /** Takes the TCP segments sent so far. */
  takeTcp(): ParsedTcp[] {
    return this.take().flatMap((p) => (p.tcp ? [p.tcp] : []));
  }
}

export interface LaptopOptions {
  src?: string;
  dst?: string;
  srcPort?: number;
  dstPort?: number;
  isn?: number;
  window?: number;
  wscale?: number;
  mss?: number;
  sackPermitted?: boolean;
}

/** The laptop application's TCP, driven step by step by a test. */
export class LaptopTcp {
  readonly src: string;
  readonly dst: string;
  readonly srcPort: number;
  readonly dstPort: number;
  /** Next sequence number we send. */
  seq: number;
  /** Next sequence number we expect from the stack. */
  ack = 0;
  window: number;
  readonly received: Buffer[] = [];
  finReceived = false;

  constructor(
    private readonly wire: TestWire,
    private readonly options: LaptopOptions = {},
  ) {
    this.src = options.src ?? '10.0.0.2';
    this.dst = options.dst ?? '10.96.0.10';
    this.srcPort = options.srcPort ?? 40000;
    this.dstPort = options.dstPort ?? 80;
    this.seq = options.isn ?? 1000;
    this.window = options.window ?? 65535;
  }

  packet(
    flags: number,
    extra: { seq?: number; data?: Buffer; window?: number; ack?: number; badChecksum?: boolean; sack?: [number, number][] } = {},
  ): Buffer {
    return tcpPacket({
      src: this.src,
      dst: this.dst,
      srcPort: this.srcPort,
      dstPort: this.dstPort,
      seq: extra.seq ?? this.seq,
      ack: extra.ack ?? this.ack,
      flags,
      window: extra.window ?? this.window,
      data: extra.data,
      badChecksum: extra.badChecksum,
      sack: extra.sack,
      ...(flags & TCP_FLAGS.SYN
        ? { mss: this.options.mss ?? 1460, wscale: this.options.wscale, sackPermitted: this.options.sackPermitted }
        : {}),
    });
  }

  syn(): void {
    this.wire.input(this.packet(TCP_FLAGS.SYN, { ack: 0 }));
  }

  /** SYN, accept by the owner, SYN-ACK, ACK: returns the stack's connection and its SYN-ACK. */
  async handshake(): Promise<{ conn: TcpConnection; synAck: ParsedTcp }> {
    this.syn();
    const conn = this.wire.connections.at(-1)!;
    conn.accept();
    const synAck = this.wire.takeTcp().find((s) => s.flags === (TCP_FLAGS.SYN | TCP_FLAGS.ACK));
    if (!synAck) throw new Error('no SYN-ACK');
    this.seq = (this.seq + 1) >>> 0;
    this.ack = (synAck.seq + 1) >>> 0;
    this.wire.input(this.packet(TCP_FLAGS.ACK));
    await tick();
    return { conn, synAck };
  }

  /** Sends data (at the current sequence number unless told) and moves on. */
  send(data: Buffer, flags = TCP_FLAGS.ACK | TCP_FLAGS.PSH): void {
    this.wire.input(this.packet(flags, { data }));
    this.seq = (this.seq + data.length + (flags & TCP_FLAGS.FIN ? 1 : 0)) >>> 0;
  }

  fin(): void {
    this.send(Buffer.alloc(0), TCP_FLAGS.FIN | TCP_FLAGS.ACK);
  }

  /** Takes in-order data and FINs from what the stack sent; returns the segments seen. */
  absorb(segments = this.wire.takeTcp()): ParsedTcp[] {
    for (const s of segments) {
      if (s.seq === this.ack && s.data.length > 0) {
        this.received.push(s.data);
        this.ack = (this.ack + s.data.length) >>> 0;
      }
      if (s.flags & TCP_FLAGS.FIN && (s.seq + s.data.length) >>> 0 === this.ack) {
        this.ack = (this.ack + 1) >>> 0;
        this.finReceived = true;
      }
    }
    return segments;
  }

  ackNow(window = this.window): void {
    this.wire.input(this.packet(TCP_FLAGS.ACK, { window }));
  }

  data(): Buffer {
    return Buffer.concat(this.received);
  }
}
