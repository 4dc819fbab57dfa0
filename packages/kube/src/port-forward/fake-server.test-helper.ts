import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { WebSocketServer, type WebSocket } from 'ws';
import { ApiTransport } from '../transport.js';

/** A stand-in API server speaking the port-forward WebSocket protocol on loopback, for unit tests. */
export interface FakeApiServer {
  transport: ApiTransport;
  /** Sockets accepted so far, newest last. */
  sockets: WebSocket[];
  nextSocket(): Promise<WebSocket>;
  close(): Promise<void>;
}

/** An HTTP answer instead of the upgrade. */
export interface Rejection {
  status: number;
  body: unknown;
}

/** Starts the fake server; `onConnect` plays the kubelet (by default it sends the two port prefixes). */
export async function startFakeApiServer(
  options: {
    autoPong?: boolean;
    onConnect?: (ws: WebSocket) => void;
    rejectUpgrade?: Rejection | ((url: string) => Rejection | undefined);
  } = {},
): Promise<FakeApiServer> {
  const http: Server = createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ noServer: true, autoPong: options.autoPong ?? true, handleProtocols: (p) => [...p][0] ?? false });
  http.on('upgrade', (req, socket, head) => {
    const reject = typeof options.rejectUpgrade === 'function' ? options.rejectUpgrade(req.url ?? '') : options.rejectUpgrade;
    if (!reject) return wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    const body = JSON.stringify(reject.body);
    socket.end(
      `HTTP/1.1 ${reject.status} Nope\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
  const sockets: WebSocket[] = [];
  const waiters: Array<(ws: WebSocket) => void> = [];
  wss.on('connection', (ws) => {
    sockets.push(ws);
    ws.send(Buffer.from([0, 0x28, 0x23]));
    ws.send(Buffer.from([1, 0x28, 0x23]));
    options.onConnect?.(ws);
    waiters.shift()?.(ws);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', () => resolve()));
  const kc = new KubeConfig();
  kc.loadFromOptions({
    // client-node refuses plain http unless TLS checks are off; this is loopback only.
    clusters: [{ name: 'fake', server: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name: 'fake' }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'fake' }],
    currentContext: 'fake',
  });
  return {
    transport: new ApiTransport(kc),
    sockets,
    nextSocket: () => new Promise((resolve) => waiters.push(resolve)),
    close: async () => {
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => http.close(() => resolve())));
    },
  };
}
