// The stack's own cost, without a device: a minimal in-process "laptop" TCP (fixed header templates, ACKs
// every second segment, no loss) exchanges bulk data with the stack. Needs no root. The figures include the
// emulated laptop's work (its checksums), so they are a lower bound of what the stack alone can do.
//   npx tsx bench/cpu.ts [MiB=256] [mtu=1500,65000]
import { finish, sum16 } from '../src/checksum.js';
import { NetStack, type TcpConnection } from '../src/index.js';
import { tcpPacket, TCP_FLAGS as F } from '../src/testing/index.js';

const mib = Number(process.argv[2] ?? 256);
const mtus = (process.argv[3] ?? '1500,65000').split(',').map(Number);
const total = mib * 1024 * 1024;
const LAPTOP = { src: '10.0.0.2', dst: '10.96.0.10', srcPort: 40000, dstPort: 80 };
const pattern = Buffer.alloc(1 << 20, 0x5a);

/** A laptop-to-stack IPv4/TCP packet from a template: only seq, ack, window and checksum change. */
function segment(seq: number, ack: number, window: number, flags: number, data?: Buffer): Buffer {
  const length = data?.length ?? 0;
  const packet = Buffer.allocUnsafe(40 + length);
  TEMPLATE.copy(packet, 0, 0, 40);
  packet.writeUInt16BE(40 + length, 2);
  packet.writeUInt16BE(0, 10);
  packet.writeUInt16BE(finish(sum16(packet, 0, 20)), 10);
  packet.writeUInt32BE(seq >>> 0, 24);
  packet.writeUInt32BE(ack >>> 0, 28);
  packet[33] = flags;
  packet.writeUInt16BE(window, 34);
  packet.writeUInt16BE(0, 36);
  if (data) data.copy(packet, 40);
  const pseudo = sum16(packet, 12, 20) + 6 + 20 + length;
  packet.writeUInt16BE(finish(pseudo + sum16(packet, 20, packet.length)), 36);
  return packet;
}
const TEMPLATE = tcpPacket({ ...LAPTOP, seq: 0, ack: 0, flags: F.ACK });

interface Run {
  stack: NetStack;
  conn: TcpConnection;
  laptopSeq: number;
  stackNext: number;
  pending: Buffer[];
}

/** SYN, accept, ACK; packets from the stack go to `onPacket` (after the handshake). */
function open(mtu: number, onPacket: (run: Run, packet: Buffer) => void): Run {
  const run = {} as Run;
  run.pending = [];
  let synAck: Buffer | undefined;
  run.stack = new NetStack({
    mtu,
    output: (packet) => (synAck ? onPacket(run, packet) : (synAck = Buffer.from(packet))),
    onTcpConnection: (conn) => {
      run.conn = conn;
      conn.accept();
    },
  });
  run.stack.input(tcpPacket({ ...LAPTOP, seq: 999, flags: F.SYN, mss: mtu - 40, wscale: 7 }));
  run.laptopSeq = 1000;
  run.stackNext = (synAck!.readUInt32BE(24) + 1) >>> 0;
  run.stack.input(segment(run.laptopSeq, run.stackNext, 0xffff, F.ACK));
  return run;
}

/** Queues a packet for the stack on the next turn of the event loop, as a device reader would. */
function toStack(run: Run, packet: Buffer): void {
  if (run.pending.push(packet) > 1) return;
  setImmediate(() => {
    const batch = run.pending.splice(0);
    for (const p of batch) run.stack.input(p);
  });
}

async function download(mtu: number): Promise<number> {
  let received = 0;
  let segments = 0;
  let finished: () => void = () => {};
  const run = open(mtu, (r, packet) => {
    const length = packet.length - 20 - (packet[32]! >> 4) * 4;
    if (length === 0) return;
    r.stackNext = (packet.readUInt32BE(24) + length) >>> 0;
    received += length;
    if (++segments % 2 === 0 || packet[33]! & F.PSH) toStack(r, segment(r.laptopSeq, r.stackNext, 0xffff, F.ACK));
    if (received >= total) finished();
  });
  const start = performance.now();
  await new Promise<void>((resolve) => {
    finished = resolve;
    let left = total;
    const pump = () => {
      while (left > 0) {
        left -= pattern.length;
        if (!run.conn.write(pattern)) return void run.conn.once('drain', pump);
      }
    };
    pump();
  });
  const seconds = (performance.now() - start) / 1000;
  run.stack.close();
  return total / seconds / 1e6;
}

async function upload(mtu: number): Promise<number> {
  let acked = 1000;
  let window = 0xffff;
  const run = open(mtu, (_r, packet) => {
    acked = packet.readUInt32BE(28);
    window = packet.readUInt16BE(34) << 7;
  });
  let consumed = 0;
  run.conn.on('data', (chunk: Buffer) => (consumed += chunk.length));
  const mss = mtu - 40;
  const start = performance.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const step = () => {
      if (consumed >= total) return resolve();
      const limit = Math.min(window, 4 << 20);
      const burst: Buffer[] = [];
      while (sent < total && ((run.laptopSeq - acked) >>> 0) + mss <= limit && burst.length < 64) {
        const length = Math.min(mss, total - sent);
        const offset = sent % (pattern.length - length);
        burst.push(segment(run.laptopSeq, run.stackNext, 0xffff, F.ACK, pattern.subarray(offset, offset + length)));
        run.laptopSeq = (run.laptopSeq + length) >>> 0;
        sent += length;
      }
      for (const p of burst) run.stack.input(p);
      setImmediate(step);
    };
    step();
  });
  const seconds = (performance.now() - start) / 1000;
  run.stack.close();
  return total / seconds / 1e6;
}

console.log(`netstack against an in-process laptop TCP, ${mib} MiB, no device`);
console.log('MTU     download MB/s   upload MB/s');
const results = [];
for (const mtu of mtus) {
  const result = { mtu, downloadMBps: await download(mtu), uploadMBps: await upload(mtu) };
  results.push(result);
  console.log(`${String(mtu).padEnd(8)}${result.downloadMBps.toFixed(1).padStart(13)}${result.uploadMBps.toFixed(1).padStart(14)}`);
}
console.log(JSON.stringify({ mib, results }));
