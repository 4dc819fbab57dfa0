// A TCP sink: node sink.mjs <port>. Each connection's bytes are counted and thrown away; when the client
// half-closes, the count goes back as one line and the connection ends. Runs in the client pod, as the
// far end of the `kubectl port-forward` upload baseline of the reverse-path benchmark. Stops after 15 min.
import net from 'node:net';

const port = Number(process.argv[2] ?? 9300);
const server = net.createServer({ allowHalfOpen: true }, (socket) => {
  let bytes = 0;
  socket.on('data', (chunk) => (bytes += chunk.length));
  socket.on('end', () => socket.end(`${bytes}\n`));
  socket.on('error', () => socket.destroy());
});
server.listen(port, '0.0.0.0', () => console.log(`sink listening on ${port}`));
setTimeout(() => process.exit(0), 15 * 60_000).unref();
