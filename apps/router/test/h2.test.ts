import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import http2 from 'node:http2';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, ruleSet, startInProcess, type InProcess } from './support/harness.js';

const PROTO = fileURLToPath(new URL('./fixtures/echo.proto', import.meta.url));
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(PROTO)) as any;
const { NGHTTP2_INTERNAL_ERROR, NGHTTP2_CANCEL } = http2.constants;

interface Reply {
  backend: string;
  text: string;
  version: string;
  index: number;
}

/** A gRPC backend whose replies carry its name; `cancelled` records calls whose cancellation reached it. */
async function grpcBackend(name: string): Promise<{ server: grpc.Server; port: number; cancelled: string[] }> {
  const cancelled: string[] = [];
  const server = new grpc.Server();
  const version = (call: { metadata: grpc.Metadata }): string => String(call.metadata.get('x-version')[0] ?? '');
  server.addService(pkg.kt.test.Echo.service, {
    Unary: (call: grpc.ServerUnaryCall<{ text: string }, Reply>, cb: grpc.sendUnaryData<Reply>) =>
      cb(null, { backend: name, text: call.request.text, version: version(call), index: 0 }),
    Stream: (call: grpc.ServerWritableStream<{ text: string; count: number }, Reply>) => {
      let i = 0;
      const tick = setInterval(() => {
        if (i === call.request.count) return (clearInterval(tick), call.end());
        call.write({ backend: name, text: call.request.text, version: version(call), index: i++ });
      }, 5);
      call.on('cancelled', () => clearInterval(tick));
    },
    Fail: (_call: unknown, cb: grpc.sendUnaryData<Reply>) => cb({ code: grpc.status.FAILED_PRECONDITION, details: `${name} refuses` }),
    Hang: (call: grpc.ServerUnaryCall<{ text: string }, Reply>) => call.on('cancelled', () => cancelled.push(call.request.text)),
    Collect: (call: grpc.ServerReadableStream<{ text: string }, Reply>, cb: grpc.sendUnaryData<Reply>) => {
      const texts: string[] = [];
      call.on('data', (m: { text: string }) => texts.push(m.text));
      call.on('end', () => cb(null, { backend: name, text: texts.join(','), version: version(call), index: texts.length }));
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  return { server, port, cancelled };
}

describe('HTTP/2 and gRPC through the router', () => {
  let stuntman: Awaited<ReturnType<typeof grpcBackend>>;
  let mesh: Awaited<ReturnType<typeof grpcBackend>>;
  let raw: http2.Http2Server;
  let router: InProcess;
  let client: any;
  let meshClient: any;
  const rawSeen: Array<{ version: string; path: string }> = [];

  beforeAll(async () => {
    stuntman = await grpcBackend('stuntman');
    mesh = await grpcBackend('mesh');
    raw = http2.createServer();
    raw.on('stream', (stream, headers) => rawBackend(stream, headers, rawSeen));
    const rawPort = await listen(raw);
    router = await startInProcess(
      { stuntman: stuntman.port, mesh: mesh.port, raw: rawPort },
      ruleSet(1, [
        ['x-version', 'abc', 'mesh'],
        ['x-raw', '1', 'raw'],
      ]),
    );
    client = new pkg.kt.test.Echo(`127.0.0.1:${router.port}`, grpc.credentials.createInsecure());
    meshClient = client;
  });
  afterAll(async () => {
    client.close();
    await router.close();
    stuntman.server.forceShutdown();
    mesh.server.forceShutdown();
    raw.close();
  });

  const md = (version?: string): grpc.Metadata => {
    const m = new grpc.Metadata();
    if (version) m.set('x-version', version);
    return m;
  };
  const unary = (method: string, text: string, version?: string): Promise<Reply> =>
    new Promise((resolve, reject) => client[method]({ text }, md(version), (e: Error | null, r: Reply) => (e ? reject(e) : resolve(r))));

  it('routes unary calls per stream on one HTTP/2 connection', async () => {
    const replies = await Promise.all([
      unary('Unary', 'a'),
      unary('Unary', 'b', 'abc'),
      unary('Unary', 'c', 'xyz'),
      unary('Unary', 'd', 'abc'),
    ]);
    expect(replies.map((r) => `${r.text}:${r.backend}`)).toEqual(['a:stuntman', 'b:mesh', 'c:stuntman', 'd:mesh']);
    expect(replies[1]!.version).toBe('abc');
  });

  it('relays server streaming and client streaming', async () => {
    const items: Reply[] = [];
    await new Promise<void>((resolve, reject) => {
      const call = meshClient.Stream({ text: 's', count: 50 }, md('abc'));
      call.on('data', (r: Reply) => items.push(r));
      call.on('end', resolve);
      call.on('error', reject);
    });
    expect(items.map((r) => r.index)).toEqual([...Array(50).keys()]);
    expect(new Set(items.map((r) => r.backend))).toEqual(new Set(['mesh']));
    const collected = await new Promise<Reply>((resolve, reject) => {
      const call = client.Collect(md('abc'), (e: Error | null, r: Reply) => (e ? reject(e) : resolve(r)));
      for (const t of ['x', 'y', 'z']) call.write({ text: t });
      call.end();
    });
    expect(collected).toMatchObject({ backend: 'mesh', text: 'x,y,z', index: 3 });
  });

  it('relays a trailers-only error status', async () => {
    await expect(unary('Fail', 'f', 'abc')).rejects.toMatchObject({ code: grpc.status.FAILED_PRECONDITION, details: 'mesh refuses' });
    // On the wire: one HEADERS frame with END_STREAM carrying grpc-status, no DATA, no trailers.
    const session = http2.connect(`http://127.0.0.1:${router.port}`);
    const frame = await new Promise<{ headers: http2.IncomingHttpHeaders; ended: boolean; trailers: boolean }>((resolve) => {
      const s = session.request({
        ':method': 'POST',
        ':path': '/kt.test.Echo/Fail',
        'content-type': 'application/grpc',
        te: 'trailers',
        'x-version': 'abc',
      });
      let trailers = false;
      s.on('trailers', () => (trailers = true));
      s.on('response', (headers, flags) => resolve({ headers, ended: (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0, trailers }));
      s.end(Buffer.from([0, 0, 0, 0, 0]));
    });
    session.close();
    expect(frame).toMatchObject({
      ended: true,
      trailers: false,
      headers: { ':status': 200, 'grpc-status': String(grpc.status.FAILED_PRECONDITION) },
    });
  });

  it('answers UNAVAILABLE for a backend nobody listens on, and keeps serving the others', async () => {
    const res = await fetch(`${router.control}/rules`, {
      method: 'PUT',
      body: JSON.stringify(
        ruleSet(2, [
          ['x-version', 'abc', 'mesh'],
          ['x-raw', '1', 'raw'],
          ['x-version', 'gone', 'gone'],
        ]),
      ),
    });
    expect(res.status).toBe(200);
    await expect(unary('Unary', 'g', 'gone')).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    expect((await unary('Unary', 'h', 'abc')).backend).toBe('mesh');
  });

  it('carries a client cancellation to the backend', async () => {
    const call = client.Hang({ text: 'hang-1' }, md('abc'), () => undefined);
    await new Promise((r) => setTimeout(r, 200));
    call.cancel();
    await waitFor(() => mesh.cancelled.includes('hang-1'));
    expect(stuntman.cancelled).toEqual([]);
  });

  it('carries a backend reset to the client, with its code', async () => {
    const session = http2.connect(`http://127.0.0.1:${router.port}`);
    const code = await new Promise<number>((resolve) => {
      const s = session.request({ ':path': '/reset', 'x-raw': '1' });
      s.on('error', () => undefined);
      s.on('close', () => resolve(s.rstCode));
      s.resume();
    });
    session.close();
    expect(code).toBe(NGHTTP2_INTERNAL_ERROR);
  });

  it('relays plain h2c with request and response trailers, never as HTTP/1.1', async () => {
    const session = http2.connect(`http://127.0.0.1:${router.port}`);
    const got = await new Promise<{ status: number; body: string; trailers: http2.IncomingHttpHeaders }>((resolve, reject) => {
      const s = session.request({ ':method': 'POST', ':path': '/echo', 'x-raw': '1' }, { waitForTrailers: true });
      s.on('wantTrailers', () => s.sendTrailers({ 'x-request-trailer': 'yes' }));
      let status = 0;
      let body = '';
      let trailers: http2.IncomingHttpHeaders = {};
      s.on('response', (h) => (status = Number(h[':status'])));
      s.on('data', (d) => (body += d));
      s.on('trailers', (t) => (trailers = t));
      s.on('end', () => resolve({ status, body, trailers }));
      s.on('error', reject);
      s.end('ping');
    });
    session.close();
    expect(got.status).toBe(200);
    expect(JSON.parse(got.body)).toEqual({ body: 'ping', httpVersion: '2.0', requestTrailer: 'yes' });
    expect(got.trailers['x-response-trailer']).toBe('done');
  });

  it('resets the backend stream when the client resets it mid-response', async () => {
    const session = http2.connect(`http://127.0.0.1:${router.port}`);
    const s = session.request({ ':path': '/slow', 'x-raw': '1' });
    await new Promise((r) => s.once('data', r));
    s.close(NGHTTP2_CANCEL);
    await waitFor(() => rawSeen.some((x) => x.path === '/slow closed'));
    session.close();
  });
});

function rawBackend(
  stream: http2.ServerHttp2Stream,
  headers: http2.IncomingHttpHeaders,
  seen: Array<{ version: string; path: string }>,
): void {
  const path = String(headers[':path']);
  seen.push({ version: String(headers['x-raw']), path });
  stream.on('error', () => undefined);
  if (path === '/reset') {
    stream.respond({ ':status': 200 });
    stream.write('partial');
    setTimeout(() => stream.destroy(new Error('backend gives up')), 20);
    return;
  }
  if (path === '/slow') {
    stream.respond({ ':status': 200 });
    const tick = setInterval(() => stream.write('tick'), 10);
    stream.on('close', () => (clearInterval(tick), seen.push({ version: '', path: '/slow closed' })));
    return;
  }
  let body = '';
  let requestTrailer = '';
  stream.on('data', (d) => (body += d));
  stream.on('trailers', (t) => (requestTrailer = String(t['x-request-trailer'])));
  stream.on('end', () => {
    stream.respond({ ':status': 200 }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'x-response-trailer': 'done' }));
    stream.end(JSON.stringify({ body, httpVersion: '2.0', requestTrailer }));
  });
}

async function waitFor(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
