// The processes the benchmark runs besides itself, one role each (argv[2]), so the laptop side, the
// agent and the in-cluster target each have their own event loop, as in real use. Each prints
// `ready <port>` on stdout.
//   target <MiB>    a download server (sends MiB then FIN) and an upload sink (prints both ports)
//   mux             a MuxServer on loopback; the authorized key comes in KT_BENCH_PUBLIC_KEY
import { createServer, type AddressInfo, type Server } from 'node:net';
import { MuxServer } from '../src/server.js';
import { parseAuthorizedKeys } from '../src/keys.js';

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

/** Sends `bytes` in 1 MiB writes, honouring backpressure, then ends. */
function download(bytes: number): Server {
  const chunk = Buffer.alloc(1 << 20, 7);
  return createServer({ noDelay: true }, (socket) => {
    let left = bytes;
    const pump = (): void => {
      while (left > 0) {
        left -= chunk.length;
        if (!socket.write(chunk)) return void socket.once('drain', pump);
      }
      socket.end();
    };
    socket.on('error', () => undefined);
    socket.resume();
    pump();
  });
}

/** Counts what arrives and answers with the count once the sender half-closed. */
function upload(): Server {
  return createServer({ noDelay: true, allowHalfOpen: true }, (socket) => {
    let received = 0;
    socket.on('data', (chunk: Buffer) => (received += chunk.length));
    socket.on('end', () => socket.end(String(received)));
    socket.on('error', () => undefined);
  });
}

async function main(): Promise<void> {
  const role = process.argv[2];
  if (role === 'target') {
    const downloadPort = await listen(download(Number(process.argv[3] ?? 256) << 20));
    console.log(`ready ${downloadPort} ${await listen(upload())}`);
  } else if (role === 'mux') {
    const keys = parseAuthorizedKeys(process.env.KT_BENCH_PUBLIC_KEY ?? '');
    const server = new MuxServer({ authorizedKeys: () => keys });
    console.log(`ready ${await server.listen(0)}`);
  } else {
    throw new Error(`unknown role ${role}`);
  }
}

// Exit normally on a signal, so --cpu-prof can write its profile.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(0));
void main();
