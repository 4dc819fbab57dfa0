// A TCP sink: node sink.mjs <port> <bytes>. Each connection's bytes are counted and thrown away; once
// <bytes> have arrived the count goes back as one line and the connection ends. Replying at a count
// rather than at the client's half-close: the port-forward in front of it need not carry a half-close
// (kubectl port-forward over WebSocket closed the whole connection, and the count never came back).
// Runs in the client pod, as the far end of the `kubectl port-forward` upload baseline of the reverse-path
// benchmark. Stops after 15 min.
import net from 'node:net';

const port = Number(process.argv[2] ?? 9300);
const expected = Number(process.argv[3] ?? Infinity);
const server = net.createServer({ allowHalfOpen: true }, (socket) => {
  let bytes = 0;
  let answered = false;
  const answer = () => {
    if (answered) return;
    answered = true;
    socket.end(`${bytes}\n`);
  };
  socket.on('data', (chunk) => {
    bytes += chunk.length;
    if (bytes >= expected) answer();
  });
  socket.on('end', answer);
  socket.on('error', () => socket.destroy());
});
server.listen(port, '0.0.0.0', () => console.log(`sink listening on ${port}`));
setTimeout(() => process.exit(0), 15 * 60_000).unref();
