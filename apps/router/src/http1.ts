/**
 * HTTP/1.x: every request is routed on its own (a keep-alive client connection may reach several backends),
 * over a keep-alive pool per backend. Bodies stream both ways with backpressure (pipe), trailers and
 * `Expect: 100-continue` are relayed, and `Upgrade` requests (WebSocket) are routed once, then spliced.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ResolveBackend } from './backends.js';
import type { Log } from './log.js';
import { splice } from './passthrough.js';
import type { RuleTable } from './rules.js';

/** Hop-by-hop headers (RFC 9110 §7.6.1); Transfer-Encoding stays on requests so Node re-chunks bodies. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'upgrade', 'transfer-encoding']);
/** Below Node's default server keep-alive (5 s): the pool drops an idle socket before the backend does. */
const POOL_IDLE_MS = 4_000;
/** Clients' idle keep-alive connections stay open this long (longer than Node's 5 s: clients pool too). */
const CLIENT_IDLE_MS = 65_000;

interface Http1Options {
  port: number;
  rules: RuleTable;
  resolve: ResolveBackend;
  log: Log;
}

export interface Http1Router {
  server: http.Server;
  /** Closes pooled backend connections. */
  close(): void;
}

/** An http.Server that is never listened on: the port's listener hands it the connections that speak HTTP/1. */
export function createHttp1Router(options: Http1Options): Http1Router {
  const agent = new http.Agent({ keepAlive: true, maxFreeSockets: 64, scheduling: 'lifo', timeout: POOL_IDLE_MS, noDelay: true });
  const server = http.createServer({ requestTimeout: 0, keepAliveTimeout: CLIENT_IDLE_MS, noDelay: true });
  const handle = (req: IncomingMessage, res: ServerResponse): void => forward(options, agent, req, res, 0);
  // A client may shut its write side right after its request (`curl`-like tools, `printf ... | nc -N`): keep the
  // socket half-open and answer every request already read, then close (Node's own default aborts them).
  (server as http.Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
  server.on('request', handle);
  // Without this listener Node answers 100 Continue itself; the backend must decide.
  server.on('checkContinue', handle);
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => upgrade(options, req, socket, head));
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (error.code !== 'ECONNRESET' && socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  return { server, close: () => agent.destroy() };
}

function forward(o: Http1Options, agent: http.Agent, req: IncomingMessage, res: ServerResponse, attempt: number): void {
  const backend = o.rules.pick(req.headers);
  const target = o.resolve(backend, o.port);
  const headers = endToEnd(req.rawHeaders, true);
  if (req.headers.host === undefined) headers.push('Host', hostHeader(target));
  const up = http.request({ host: target.host, port: target.port, method: req.method, path: req.url, headers, agent, setHost: false });
  const hasBody =
    req.headers['content-length'] !== undefined ? req.headers['content-length'] !== '0' : req.headers['transfer-encoding'] !== undefined;
  if (req.headers.expect) up.flushHeaders();
  up.on('continue', () => res.writeContinue());
  up.on('response', (ures) => respond(ures, res));
  up.on('error', (error: NodeJS.ErrnoException) => {
    // A pooled connection the backend closed just as we reused it: safe to retry a request without a body.
    if (up.reusedSocket && !hasBody && attempt === 0 && !res.headersSent && error.code === 'ECONNRESET')
      return forward(o, agent, req, res, 1);
    o.log.debug(`${req.method} ${req.url} → ${backend}:${o.port}: ${error.message}`);
    if (res.headersSent) return void res.destroy();
    res
      .writeHead(502, { 'content-type': 'text/plain', connection: 'close' })
      .end(`kt-router: ${backend}:${o.port}: ${error.code ?? error.message}\n`);
  });
  res.on('close', () => {
    if (!res.writableFinished) up.destroy();
  });
  if (attempt === 0 && !hasBody) req.resume();
  if (!hasBody) return void up.end();
  req.pipe(up, { end: false });
  req.on('end', () => {
    if (req.rawTrailers.length) up.addTrailers(pairs(req.rawTrailers));
    up.end();
  });
}

function respond(ures: IncomingMessage, res: ServerResponse): void {
  res.writeHead(ures.statusCode!, ures.statusMessage, endToEnd(ures.rawHeaders, false));
  // A pump rather than pipe(): pipe() sets up and tears down six listeners per response, most of a small
  // response's cost besides the parsers; backpressure is the same (pause until the client drains).
  ures.on('data', (chunk: Buffer) => {
    if (!res.write(chunk)) {
      ures.pause();
      res.once('drain', () => ures.resume());
    }
  });
  ures.on('end', () => {
    if (ures.rawTrailers.length) res.addTrailers(pairs(ures.rawTrailers));
    res.end();
  });
  ures.on('error', () => res.destroy());
}

/** Routes an Upgrade request by its headers, relays the backend's answer and, on 101, splices the sockets. */
function upgrade(o: Http1Options, req: IncomingMessage, socket: Socket, head: Buffer): void {
  const backend = o.rules.pick(req.headers);
  const target = o.resolve(backend, o.port);
  const headers = without(req.rawHeaders, ['keep-alive', 'proxy-connection']);
  if (req.headers.host === undefined) headers.push('Host', hostHeader(target));
  const up = http.request({
    host: target.host,
    port: target.port,
    method: req.method,
    path: req.url,
    headers,
    agent: false,
    setHost: false,
  });
  socket.on('error', () => up.destroy());
  up.on('upgrade', (ures, upSocket: Socket, upHead: Buffer) => {
    socket.write(statusHead(ures, ures.rawHeaders));
    if (upHead.length) socket.write(upHead);
    if (head.length) upSocket.write(head);
    upSocket.setNoDelay(true);
    splice(socket, upSocket, o.log, `upgrade ${backend}:${o.port}`);
  });
  up.on('response', (ures) => {
    // The backend refused the upgrade: relay its answer and close, as the client cannot reuse this connection.
    socket.write(statusHead(ures, [...endToEnd(ures.rawHeaders, false), 'Connection', 'close']));
    ures.pipe(socket);
  });
  up.on('error', (error) => {
    o.log.debug(`upgrade ${req.url} → ${backend}:${o.port}: ${error.message}`);
    socket.end(`HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  });
  up.end();
}

/**
 * Host for a request that came without one (HTTP/1.0 allows that): it leaves as HTTP/1.1, which requires it (Go's
 * net/http answers 400), so it gets the backend's address, as a client talking to the backend directly would send.
 */
function hostHeader(target: { host: string; port: number }): string {
  return `${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`;
}

function statusHead(res: IncomingMessage, raw: string[]): string {
  let text = `HTTP/1.1 ${res.statusCode} ${res.statusMessage}\r\n`;
  for (let i = 0; i < raw.length; i += 2) text += `${raw[i]}: ${raw[i + 1]}\r\n`;
  return `${text}\r\n`;
}

/** Raw headers without the hop-by-hop ones, nor those the Connection header names. One pass unless a Connection header names some. */
function endToEnd(raw: string[], request: boolean): string[] {
  let named: Set<string> | undefined;
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    // Hop-by-hop names are 2 to 17 characters and start with c, k, p, t or u; skip lower-casing all others.
    const first = name.charCodeAt(0) | 0x20;
    if (first === 0x63 || first === 0x6b || first === 0x70 || first === 0x74 || first === 0x75) {
      const lower = name.toLowerCase();
      if (lower === 'connection') {
        named ??= new Set();
        for (const t of raw[i + 1]!.split(',')) named.add(t.trim().toLowerCase());
        continue;
      }
      if (HOP_BY_HOP.has(lower) && !(request && lower === 'transfer-encoding')) continue;
    }
    out.push(name, raw[i + 1]!);
  }
  if (!named) return out;
  const kept: string[] = [];
  for (let i = 0; i < out.length; i += 2) if (!named.has(out[i]!.toLowerCase())) kept.push(out[i]!, out[i + 1]!);
  return kept;
}

/** Node's rawHeaders/rawTrailers list → [name, value] pairs. */
function pairs(raw: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i < raw.length; i += 2) out.push([raw[i]!, raw[i + 1]!]);
  return out;
}

function without(raw: string[], names: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) if (!names.includes(raw[i]!.toLowerCase())) out.push(raw[i]!, raw[i + 1]!);
  return out;
}
