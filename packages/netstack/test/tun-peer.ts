// The stack on a real TUN device, for tests and the benchmark: run as root inside a network namespace made
// for it. The Linux kernel's TCP/UDP then talk to the stack through the device:
//   10.202.0.0/16 and fd00:202::/64 are routed into `ktn0`; services by port:
//   7 echo, 9 upload sink (answers "<bytes> <sha256>" after the laptop's FIN), 10 the same without the hash,
//   11 the same but a reader that stops for 300 ms after each MiB, 80 HTTP GET /bytes/<n>, 81 refused,
//   82 reset after the first data; UDP echoes; ICMP echo replied for *.7, else unreachable.
// KTN_MTU sets the device MTU, KTN_LOSS a packet loss rate each way. Prints {"event":"ready"} when up; prints {"event":"stats",...} and exits on SIGTERM or stdin closing.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, read } from 'node:fs';
import koffi from 'koffi';
import { NetStack, type TcpConnection } from '../src/index.js';
import { startRingReader } from './ring-reader.js';

const TUNSETIFF = 0x400454ca;
const IFF_TUN = 0x0001;
const IFF_NO_PI = 0x1000;
const NAME = 'ktn0';
const mtu = Number(process.env.KTN_MTU ?? 1500);

const libc = koffi.load('libc.so.6');
const ioctl = libc.func('int ioctl(int fd, unsigned long request, void *arg)') as (fd: number, request: number, arg: Buffer) => number;
const write = libc.func('long write(int fd, const void *data, unsigned long length)') as (
  fd: number,
  data: Buffer,
  length: number,
) => number;

const fd = openSync('/dev/net/tun', 'r+');
const ifreq = Buffer.alloc(40);
ifreq.write(NAME, 0, 'ascii');
ifreq.writeUInt16LE(IFF_TUN | IFF_NO_PI, 16);
if (ioctl(fd, TUNSETIFF, ifreq) !== 0) throw new Error(`TUNSETIFF failed: errno ${koffi.errno()}`);
const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'inherit' });
ip('link', 'set', 'lo', 'up');
ip('addr', 'add', '10.201.0.1/32', 'dev', NAME);
ip('-6', 'addr', 'add', 'fd00:201::1/128', 'dev', NAME, 'nodad');
ip('link', 'set', NAME, 'mtu', String(mtu), 'up');
ip('route', 'add', '10.202.0.0/16', 'dev', NAME);
ip('-6', 'route', 'add', 'fd00:202::/64', 'dev', NAME);

/** KTN_LOSS: the fraction of packets lost each way (a fixed pseudo-random sequence), to exercise recovery. */
const loss = Number(process.env.KTN_LOSS ?? 0);
let seed = 12345;
const lost = () => {
  if (loss === 0) return false;
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff < loss;
};
let writeErrors = 0;
const stack = new NetStack({
  mtu,
  output(packet) {
    if (lost()) return;
    if (write(fd, packet, packet.length) !== packet.length) writeErrors++;
  },
  onTcpConnection: serve,
  onUdpDatagram: (d) => stack.sendUdp({ source: d.destination, destination: d.source, payload: d.payload }),
  icmpEcho: (destination) => (destination.endsWith('.7') || destination.endsWith('::7') ? 'reply' : 'unreachable'),
  log: process.env.KTN_DEBUG ? (m) => process.stderr.write(`${m}\n`) : undefined,
});

const pattern = Buffer.alloc(1 << 20);
for (let i = 0; i < pattern.length; i++) pattern[i] = (i * 7 + (i >> 11)) & 0xff;

function serve(conn: TcpConnection): void {
  conn.on('error', () => {});
  const port = conn.destination.port;
  if (port === 81) return conn.refuse();
  conn.accept();
  if (port === 7) conn.pipe(conn);
  else if (port === 9) sink(conn, true);
  else if (port === 10) sink(conn, false);
  else if (port === 11) slowSink(conn);
  else if (port === 80) http(conn);
  else if (port === 82) conn.once('data', () => conn.destroy());
  else conn.destroy();
}

function sink(conn: TcpConnection, hashing: boolean): void {
  const hash = createHash('sha256');
  let bytes = 0;
  conn.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    if (hashing) hash.update(chunk);
  });
  conn.on('end', () => conn.end(`${bytes} ${hashing ? hash.digest('hex') : ''}`));
}

function slowSink(conn: TcpConnection): void {
  const hash = createHash('sha256');
  let bytes = 0;
  let nextPause = 1 << 20;
  conn.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    hash.update(chunk);
    if (bytes < nextPause) return;
    nextPause += 1 << 20;
    conn.pause();
    setTimeout(() => conn.resume(), 300);
  });
  conn.on('end', () => conn.end(`${bytes} ${hash.digest('hex')}`));
}

/** Just enough HTTP/1.1 for curl: GET /bytes/<n> answers n bytes of `pattern`, then closes. */
function http(conn: TcpConnection): void {
  let head = '';
  const onData = (chunk: Buffer) => {
    head += chunk.toString('latin1');
    if (!head.includes('\r\n\r\n')) return;
    conn.off('data', onData);
    conn.resume();
    const size = Number(/^GET \/bytes\/(\d+)/.exec(head)?.[1] ?? 0);
    conn.write(`HTTP/1.1 200 OK\r\nContent-Length: ${size}\r\nConnection: close\r\n\r\n`);
    let left = size;
    const pump = () => {
      while (left > 0) {
        const n = Math.min(left, 64 * 1024);
        const offset = (size - left) % (pattern.length - n + 1);
        left -= n;
        if (!conn.write(pattern.subarray(offset, offset + n))) return void conn.once('drain', pump);
      }
      conn.end();
    };
    pump();
  };
  conn.on('data', onData);
}

let stopped = false;
function stop(): void {
  if (stopped) return;
  stopped = true;
  stack.close();
  ringReader?.stop();
  process.stdout.write(`${JSON.stringify({ event: 'stats', ...stack.stats, writeErrors })}\n`);
  // Deleting the link wakes the read blocked in libuv's pool, which would otherwise hold up the exit.
  ip('link', 'del', NAME);
  closeSync(fd);
  process.exit(0);
}
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();

// KTN_READER=ring: the experimental worker-thread reader (see ring-reader.ts) instead of one fs.read per packet.
const ringReader = process.env.KTN_READER === 'ring' ? startRingReader(fd, mtu, (packet) => lost() || stack.input(packet)) : undefined;
const readLoop = () => {
  const buffer = Buffer.allocUnsafe(mtu + 64);
  read(fd, buffer, 0, buffer.length, null, (error, bytes) => {
    if (error || stopped) return;
    if (!lost()) stack.input(buffer.subarray(0, bytes));
    readLoop();
  });
};
if (!ringReader) readLoop();
process.stdout.write(`${JSON.stringify({ event: 'ready', pid: process.pid, mtu })}\n`);
