// The benchmark's backend, in its own process: HTTP/1.1 on argv[2], h2c on argv[3], each answering "ok".
import http from 'node:http';
import http2 from 'node:http2';

http.createServer((req, res) => req.resume().on('end', () => res.end('ok'))).listen(Number(process.argv[2]), '127.0.0.1');
const h2 = http2.createServer();
h2.on('stream', (stream) => {
  stream.resume();
  stream.on('end', () => {
    stream.respond({ ':status': 200 });
    stream.end('ok');
  });
});
h2.listen(Number(process.argv[3]), '127.0.0.1', () => process.stdout.write('ready\n'));
