import http from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { listen, nameServer, request, ruleSet, startInProcess, whoAnswers, type InProcess } from './support/harness.js';

describe('HTTP/1.1 through the router', () => {
  let stuntman: http.Server;
  let mesh: http.Server;
  let router: InProcess;
  const seenByMesh: http.IncomingMessage[] = [];

  beforeAll(async () => {
    const s = await nameServer('stuntman');
    stuntman = s.server;
    mesh = http.createServer((req, res) => featureRoutes(req, res, seenByMesh));
    continueHandlers(mesh);
    const m = await listen(mesh);
    router = await startInProcess({ stuntman: s.port, 'svc-kt-mesh-abc': m }, ruleSet(1, [['X-Version', 'abc', 'svc-kt-mesh-abc']]));
  });
  afterAll(async () => {
    await router.close();
    stuntman.close();
    mesh.close();
  });

  it('routes each request of one keep-alive connection by its own header (name case-insensitive, value exact)', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = new Set<unknown>();
    agent.on('free', (socket) => sockets.add(socket));
    const answers = [];
    for (const headers of [
      {},
      { 'x-version': 'abc' },
      { 'X-VERSION': 'abc' },
      { 'x-version': 'ABC' },
      { 'x-version': 'abcd' },
      {},
    ] as Array<Record<string, string>>)
      answers.push(await whoAnswers(router.port, headers, agent));
    expect(answers).toEqual(['stuntman', 'mesh', 'mesh', 'stuntman', 'stuntman', 'stuntman']);
    expect(sockets.size).toBe(1);
    agent.destroy();
  });

  it('relays chunked bodies with trailers both ways', async () => {
    const res = await new Promise<{ body: string; trailers: NodeJS.Dict<string>; te: string | undefined }>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: router.port, method: 'POST', path: '/trailers', headers: { 'x-version': 'abc', trailer: 'x-checksum' } },
        (r) => {
          let body = '';
          r.on('data', (c) => (body += c));
          r.on('end', () => resolve({ body, trailers: r.trailers, te: r.headers['transfer-encoding'] }));
        },
      );
      req.on('error', reject);
      req.write('hello ');
      setTimeout(() => {
        req.write('world');
        req.addTrailers({ 'x-checksum': 'abc123' });
        req.end();
      }, 20);
    });
    expect(res.te).toBe('chunked');
    expect(JSON.parse(res.body)).toEqual({ body: 'hello world', trailers: { 'x-checksum': 'abc123' } });
    expect(res.trailers).toEqual({ 'x-reply-trailer': 'done' });
  });

  it('lets the backend answer Expect: 100-continue (no early 100 from the router)', async () => {
    const got = await new Promise<{ continued: boolean; status: number; body: string }>((resolve, reject) => {
      let continued = false;
      const req = http.request({
        host: '127.0.0.1',
        port: router.port,
        method: 'PUT',
        path: '/continue',
        headers: { 'x-version': 'abc', expect: '100-continue', 'content-length': '5' },
      });
      req.on('continue', () => ((continued = true), req.end('12345')));
      req.on('response', (r) => {
        let body = '';
        r.on('data', (c) => (body += c));
        r.on('end', () => resolve({ continued, status: r.statusCode!, body }));
      });
      req.on('error', reject);
    });
    expect(got).toEqual({ continued: true, status: 200, body: 'got 5 bytes after deciding' });
    const refused = await request({
      host: '127.0.0.1',
      port: router.port,
      method: 'PUT',
      path: '/continue-refused',
      headers: { 'x-version': 'abc', expect: '100-continue', 'content-length': '5' },
    });
    expect(refused.status).toBe(417);
  });

  it('keeps HEAD, 204 and 304 bodiless and the connection usable', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const base = { host: '127.0.0.1', port: router.port, agent, headers: { 'x-version': 'abc' } };
    const head = await request({ ...base, method: 'HEAD', path: '/sized' });
    expect([head.status, head.headers['content-length'], head.body]).toEqual([200, '11', '']);
    const noContent = await request({ ...base, path: '/204' });
    const notModified = await request({ ...base, path: '/304', headers: { ...base.headers, 'if-none-match': '"v1"' } });
    expect([noContent.status, noContent.body, notModified.status, notModified.body, notModified.headers.etag]).toEqual([
      204,
      '',
      304,
      '',
      '"v1"',
    ]);
    expect((await request({ ...base, path: '/sized' })).body).toBe('hello world');
    agent.destroy();
  });

  it('closes after a response when the client sends Connection: close', async () => {
    const socket = connect(router.port, '127.0.0.1');
    socket.write('GET /sized HTTP/1.1\r\nHost: x\r\nX-Version: abc\r\nConnection: close\r\n\r\n');
    let text = '';
    socket.on('data', (d) => (text += d));
    await new Promise((r) => socket.on('close', r));
    expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(text).toMatch(/\r\nConnection: close\r\n/i);
    expect(text.endsWith('hello world')).toBe(true);
  });

  it('relays a server-sent-events stream that stays idle for seconds', async () => {
    const events: Array<{ at: number; data: string }> = [];
    const start = Date.now();
    await new Promise<void>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port: router.port, path: '/sse', headers: { 'x-version': 'abc', accept: 'text/event-stream' } }, (r) => {
          r.setEncoding('utf8');
          r.on('data', (d: string) => events.push({ at: Date.now() - start, data: d }));
          r.on('end', resolve);
        })
        .on('error', reject);
    });
    expect(events.map((e) => e.data).join('')).toBe('data: one\n\ndata: two\n\n');
    expect(events[0]!.at).toBeLessThan(1000);
    expect(events.at(-1)!.at).toBeGreaterThan(6000);
  }, 15_000);

  it('answers 502 when the backend is down, and keeps routing others', async () => {
    await putRulesLocal(
      router,
      ruleSet(2, [
        ['x-version', 'abc', 'svc-kt-mesh-abc'],
        ['x-version', 'gone', 'svc-kt-mesh-gone'],
      ]),
    );
    const res = await request({ host: '127.0.0.1', port: router.port, path: '/', headers: { 'x-version': 'gone' } });
    expect(res.status).toBe(502);
    expect(res.body).toMatch(/svc-kt-mesh-gone/);
    expect(await whoAnswers(router.port, { 'x-version': 'abc' })).toBe('mesh');
  });

  it('routes a WebSocket upgrade by its header, then splices frames both ways', async () => {
    const wss = new WebSocketServer({ noServer: true });
    mesh.on('upgrade', (req, socket, head) =>
      wss.handleUpgrade(req, socket, head, (ws) => ws.on('message', (m) => ws.send(`mesh echo: ${String(m)}`))),
    );
    const ws = new WebSocket(`ws://127.0.0.1:${router.port}/ws`, { headers: { 'x-version': 'abc' } });
    const replies: string[] = [];
    await new Promise<void>((resolve, reject) => {
      ws.on('open', () => ws.send('ping 1'));
      ws.on('message', (m) => {
        replies.push(String(m));
        if (replies.length === 1) setTimeout(() => ws.send('ping 2 after a pause'), 300);
        else ws.close();
      });
      ws.on('close', () => resolve());
      ws.on('error', reject);
    });
    expect(replies).toEqual(['mesh echo: ping 1', 'mesh echo: ping 2 after a pause']);
    // Without the header the upgrade goes to the stuntman, which does not upgrade: the client sees its refusal.
    const refused = new WebSocket(`ws://127.0.0.1:${router.port}/ws`);
    const status = await new Promise<number>((resolve) =>
      refused.on('unexpected-response', (_req, res) => resolve(res.statusCode!)).on('error', () => resolve(-1)),
    );
    expect(status).toBe(200);
  });
});

async function putRulesLocal(router: InProcess, rules: unknown): Promise<void> {
  const res = await fetch(`${router.control}/rules`, { method: 'PUT', body: JSON.stringify(rules) });
  expect(res.status).toBe(200);
}

/** The mesh backend's endpoints for the feature tests. */
function featureRoutes(req: http.IncomingMessage, res: http.ServerResponse, seen: http.IncomingMessage[]): void {
  seen.push(req);
  const url = req.url ?? '/';
  if (url === '/who') return void req.resume().on('end', () => res.end(JSON.stringify({ backend: 'mesh' })));
  if (url === '/trailers') {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      res.writeHead(200, { trailer: 'x-reply-trailer' });
      res.write(JSON.stringify({ body, trailers: req.trailers }));
      res.addTrailers({ 'x-reply-trailer': 'done' });
      res.end();
    });
    return;
  }
  if (url === '/sized') return void res.writeHead(200, { 'content-length': '11' }).end(req.method === 'HEAD' ? undefined : 'hello world');
  if (url === '/204') return void res.writeHead(204).end();
  if (url === '/304') return void res.writeHead(req.headers['if-none-match'] === '"v1"' ? 304 : 200, { etag: '"v1"' }).end();
  if (url === '/sse') {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write('data: one\n\n');
    setTimeout(() => res.end('data: two\n\n'), 6500);
    return;
  }
  res.writeHead(404).end();
}

// 100-continue: the backend decides; /continue accepts, anything else refuses with 417.
function continueHandlers(server: http.Server): void {
  server.on('checkContinue', (req, res) => {
    if (req.url !== '/continue') return void res.writeHead(417).end();
    res.writeContinue();
    let n = 0;
    req.on('data', (c: Buffer) => (n += c.length));
    req.on('end', () => res.end(`got ${n} bytes after deciding`));
  });
}
