import http from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, ruleSet, startInProcess, type InProcess } from './support/harness.js';

/** Raw-socket clients that Node's own http client never produces: a half-close after the request, HTTP/1.0 without Host. */
describe('HTTP/1 clients at the edges', () => {
  let backend: http.Server;
  let router: InProcess;

  beforeAll(async () => {
    // Node's server refuses an HTTP/1.1 request without Host with 400, as Go's net/http does.
    backend = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const reply = (): void =>
          void res
            .setHeader('content-type', 'application/json')
            .end(JSON.stringify({ url: req.url, host: req.headers.host ?? null, body }));
        // /slow answers after the client's FIN has certainly reached the router.
        if (req.url === '/slow') setTimeout(reply, 300);
        else reply();
      });
    });
    const port = await listen(backend);
    router = await startInProcess({ stuntman: port, 'svc-kt-mesh-abc': port }, ruleSet(1, [['X-Version', 'abc', 'svc-kt-mesh-abc']]));
  });
  afterAll(async () => {
    await router.close();
    backend.close();
  });

  /** Writes `text`, shuts the write side at once, and collects everything until the router closes. */
  function halfClose(text: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port: router.port, host: '127.0.0.1', allowHalfOpen: true });
      let got = '';
      socket.on('data', (d) => (got += d));
      socket.on('end', () => (socket.end(), resolve(got)));
      socket.on('error', reject);
      socket.end(text);
    });
  }

  it('answers a request whose client half-closes right after sending it', async () => {
    for (const path of ['/fast', '/slow']) {
      const text = await halfClose(`GET ${path} HTTP/1.1\r\nHost: svc\r\nX-Version: abc\r\n\r\n`);
      expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4))).toEqual({ url: path, host: 'svc', body: '' });
    }
  });

  it('answers a request with a body, and every pipelined request, after the client half-closes', async () => {
    const post = await halfClose('POST /slow HTTP/1.1\r\nHost: svc\r\nContent-Length: 5\r\n\r\nhello');
    expect(post).toMatch(/"body":"hello"/);
    const two = await halfClose('GET /slow HTTP/1.1\r\nHost: svc\r\n\r\nGET /fast HTTP/1.1\r\nHost: svc\r\nX-Version: abc\r\n\r\n');
    expect(two.match(/HTTP\/1\.1 200 OK/g)).toHaveLength(2);
    expect(two.indexOf('"url":"/slow"')).toBeLessThan(two.indexOf('"url":"/fast"'));
  });

  it('gives an HTTP/1.0 request without Host a Host the backend accepts', async () => {
    const text = await halfClose('GET /old HTTP/1.0\r\nX-Version: abc\r\n\r\n');
    expect(text).toMatch(/^HTTP\/1\.[01] 200 OK\r\n/);
    const { url, host } = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as { url: string; host: string };
    expect(url).toBe('/old');
    expect(host).toBe(`127.0.0.1:${(backend.address() as { port: number }).port}`);
  });

  it('keeps an HTTP/1.0 request with Host as it came', async () => {
    const text = await halfClose('GET /old HTTP/1.0\r\nHost: reviews:8080\r\n\r\n');
    expect(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4))).toMatchObject({ host: 'reviews:8080' });
  });
});
