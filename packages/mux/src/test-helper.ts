/**
 * Test fixtures: keys in the laptop's formats, a MuxServer on loopback and clients connected to it.
 * Not exported from the package; tests import it directly.
 */
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import ssh2 from 'ssh2';
import { MuxClient, type MuxClientOptions } from './client.js';
import { parseAuthorizedKeys } from './keys.js';
import { MuxServer, type MuxServerOptions } from './server.js';

/** An Ed25519 pair as the laptop has it today: OpenSSH private key, authorized_keys public line. */
export function opensshKeyPair(): { privateKey: string; publicKey: string } {
  for (;;) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519');
    // ssh2's generator writes an unreadable key about once in 200 (see @ktctl/tunnel keys.ts).
    if (!(ssh2.utils.parseKey(pair.private) instanceof Error)) return { privateKey: pair.private, publicKey: pair.public };
  }
}

export interface Fixture {
  server: MuxServer;
  port: number;
  privateKey: string;
  connect(options?: Partial<MuxClientOptions>): Promise<MuxClient>;
  close(): Promise<void>;
}

/** A server authorizing one fresh key; connect() gives authenticated clients over loopback TCP. */
export async function startFixture(options: Partial<MuxServerOptions> = {}): Promise<Fixture> {
  const keys = opensshKeyPair();
  const authorized = parseAuthorizedKeys(keys.publicKey);
  const server = new MuxServer({ authorizedKeys: () => authorized, ...options });
  const port = await server.listen(0);
  const clients: MuxClient[] = [];
  return {
    server,
    port,
    privateKey: keys.privateKey,
    async connect(clientOptions = {}) {
      const transport = await tcp(port);
      const client = await MuxClient.connect({ transport, privateKey: keys.privateKey, ...clientOptions });
      clients.push(client);
      return client;
    },
    async close() {
      for (const client of clients) client.close();
      await server.close();
    },
  };
}

/** A connected TCP socket to loopback `port`. */
export async function tcp(port: number): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port, noDelay: true });
  await once(socket, 'connect');
  return socket;
}

/** A loopback TCP server running `onSocket` for each connection (allowHalfOpen, so FINs can be tested). */
export async function tcpServer(onSocket: (socket: Socket) => void): Promise<{ server: Server; port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    onSocket(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const close = async (): Promise<void> => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  };
  return { server, port: (server.address() as AddressInfo).port, close };
}

/** Every byte `stream` gives until it ends. */
export function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  // Not `for await`: the async iterator destroys a Duplex when its readable side ends, which would
  // reset a half-closed stream the test still writes to.
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return new Promise((resolve, reject) => {
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
  });
}

/** Waits until `predicate` holds, polling; fails after `ms`. */
export async function until(predicate: () => boolean, ms = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
