import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedirectListener } from './redirect-listener.js';

// The kernel's part (iptables redirect, SO_ORIGINAL_DST) is proven in e2e/tests/netplatform; here the
// original destination comes from a table keyed by the client's source port, as the kernel would keep it.
const originals = new Map<number, { host: string; port: number }>();
let upper: Server;
let upperPort: number;
let listener: RedirectListener;
let listenerPort: number;

beforeAll(async () => {
  upper = createServer({ allowHalfOpen: true }, (s) => s.on('data', (c) => s.write(c.toString().toUpperCase())).on('end', () => s.end()));
  await new Promise<void>((r) => upper.listen(0, '127.0.0.1', r));
  upperPort = (upper.address() as AddressInfo).port;
  listener = new RedirectListener({
    host: '127.0.0.1',
    port: 0,
    originalDestination: (socket: Socket) => {
      const found = originals.get(socket.remotePort!);
      if (!found) throw new Error('no original destination');
      return found;
    },
    dial: async ({ host, port }) => {
      const s = connect({ host: host === '10.96.0.10' ? '127.0.0.1' : host, port: port === 80 ? upperPort : port });
      await new Promise<void>((resolve, reject) => s.once('connect', resolve).once('error', reject));
      return s;
    },
  });
  listenerPort = (await listener.listen()).port;
});
afterAll(async () => {
  await listener.close();
  upper.close();
});

let nextSourcePort = 20_000 + Math.floor(Math.random() * 20_000);

function client(original?: { host: string; port: number }): Promise<{ socket: Socket; data: Promise<string> }> {
  // The source port is fixed before connecting, so the table is filled before the listener looks.
  const localPort = nextSourcePort++;
  if (original) originals.set(localPort, original);
  const socket = connect({ host: '127.0.0.1', port: listenerPort, localPort, allowHalfOpen: true });
  let all = '';
  const data = new Promise<string>((done) => {
    socket.on('data', (c) => (all += c));
    socket.on('close', (hadError) => done(hadError ? `${all}<reset>` : all));
    socket.on('error', () => undefined);
  });
  return new Promise((resolve) => socket.once('connect', () => resolve({ socket, data })).once('error', () => resolve({ socket, data })));
}

describe('RedirectListener', () => {
  it('joins a redirected connection to the address it was going to', async () => {
    const { socket, data } = await client({ host: '10.96.0.10', port: 80 });
    socket.end('ping');
    expect(await data).toBe('PING');
  });

  it('resets a connection whose destination cannot be reached', async () => {
    const { socket, data } = await client({ host: '127.0.0.1', port: 1 });
    socket.write('x');
    expect(await data).toBe('<reset>');
  });

  it('resets a connection it has no original destination for', async () => {
    const { data } = await client();
    expect(await data).toBe('<reset>');
  });
});
