// One bulk upload over TCP: node upload.mjs <host> <port> <bytes>. Writes the bytes, waits for the sink's
// count line (sink.mjs, told the same size: no half-close is needed on the way) and prints JSON
// {bytes, seconds, mbPerSecond}. Bounded by a 120 s timeout.
import net from 'node:net';

const [host, portText, bytesText] = process.argv.slice(2);
const total = Number(bytesText);
const chunk = Buffer.alloc(256 * 1024, 0x61);
const start = process.hrtime.bigint();
const socket = net.connect({ host, port: Number(portText), allowHalfOpen: true, noDelay: true });
const timer = setTimeout(() => fail('timeout'), 120_000);
let sent = 0;
let reply = '';
let done = false;

function fail(message) {
  console.log(JSON.stringify({ error: message }));
  process.exit(1);
}

function pump() {
  while (sent < total) {
    const piece = total - sent >= chunk.length ? chunk : chunk.subarray(0, total - sent);
    sent += piece.length;
    if (!socket.write(piece)) return void socket.once('drain', pump);
  }
}

function finish() {
  if (done) return;
  done = true;
  clearTimeout(timer);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const bytes = Number(reply.trim());
  console.log(JSON.stringify({ bytes, seconds, mbPerSecond: bytes / seconds / 1e6 }));
  socket.destroy();
}

socket.once('connect', pump);
socket.on('data', (d) => {
  reply += d.toString();
  if (reply.includes('\n')) finish();
});
socket.on('end', finish);
socket.on('error', (error) => (done ? undefined : fail(error.message)));
