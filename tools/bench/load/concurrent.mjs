// Opens <count> TCP connections at once to a TCP echo server, sends 1 KiB on each, reads it back, closes:
// node concurrent.mjs <host> <port> <count>. Prints JSON {ok, failed, ms}. Bounded by a 60 s timer.
import { connect } from 'node:net';

const [host, portText, countText] = process.argv.slice(2);
const port = Number(portText);
const count = Number(countText ?? 1000);
const payload = Buffer.alloc(1024, 'k');
const start = Date.now();
const guard = setTimeout(() => {
  console.log(JSON.stringify({ ok: 0, failed: count, ms: Date.now() - start, note: 'timed out' }));
  process.exit(1);
}, 60_000);

function echoOnce() {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let received = 0;
    socket.setTimeout(30_000, () => socket.destroy(new Error('timeout')));
    socket.on('connect', () => socket.write(payload));
    socket.on('data', (chunk) => {
      received += chunk.length;
      if (received >= payload.length) socket.end();
    });
    socket.on('close', () => resolve(received >= payload.length));
    socket.on('error', () => undefined);
  });
}

const results = await Promise.all(Array.from({ length: count }, echoOnce));
clearTimeout(guard);
console.log(JSON.stringify({ ok: results.filter(Boolean).length, failed: results.filter((r) => !r).length, ms: Date.now() - start }));
