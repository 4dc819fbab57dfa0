import { execFile } from 'node:child_process';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProxyServer } from './proxy-server.js';

const run = promisify(execFile);
let origin: HttpServer;
let originPort: number;
let proxy: ProxyServer;
let proxyPort: number;
const dialed: string[] = [];

beforeAll(async () => {
  origin = createHttpServer((req, res) => {
    if (req.url?.startsWith('/bytes/')) {
      res.end(Buffer.alloc(Number(req.url.slice(7)), 'x'));
      return;
    }
    res.end(
      `${req.method} ${req.url} host=${req.headers.host} connection=${req.headers.connection} proxy=${req.headers['proxy-connection'] ?? '-'}`,
    );
  });
  await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
  originPort = (origin.address() as AddressInfo).port;
  // The dialer stands in for the SSH tunnel: "svc.cluster" is a name only it can resolve.
  proxy = new ProxyServer({
    host: '127.0.0.1',
    port: 0,
    dial: async ({ host, port }) => {
      dialed.push(`${host}:${port}`);
      const socket = connect({ host: host === 'svc.cluster' ? '127.0.0.1' : host, port });
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
      return socket;
    },
  });
  proxyPort = (await proxy.listen()).port;
});

afterAll(async () => {
  await proxy.close();
  origin.close();
});

describe('ProxyServer against curl', () => {
  it('serves SOCKS5 with the name resolved by the dialer (socks5h)', async () => {
    const { stdout } = await run('curl', [
      '-sS',
      '--max-time',
      '5',
      '--socks5-hostname',
      `127.0.0.1:${proxyPort}`,
      `http://svc.cluster:${originPort}/a`,
    ]);
    expect(stdout).toBe(`GET /a host=svc.cluster:${originPort} connection=undefined proxy=-`);
    expect(dialed).toContain(`svc.cluster:${originPort}`);
  });

  it('serves SOCKS5 with an IPv4 address', async () => {
    const { stdout } = await run('curl', [
      '-sS',
      '--max-time',
      '5',
      '--socks5',
      `127.0.0.1:${proxyPort}`,
      `http://127.0.0.1:${originPort}/b`,
    ]);
    expect(stdout).toContain('GET /b');
  });

  it('serves HTTP CONNECT tunnels', async () => {
    const { stdout } = await run('curl', [
      '-sS',
      '--max-time',
      '5',
      '-p',
      '-x',
      `http://127.0.0.1:${proxyPort}`,
      `http://svc.cluster:${originPort}/c`,
    ]);
    expect(stdout).toBe(`GET /c host=svc.cluster:${originPort} connection=undefined proxy=-`);
  });

  it('forwards plain absolute-form HTTP requests in origin form, without proxy headers', async () => {
    const { stdout } = await run('curl', [
      '-sS',
      '--max-time',
      '5',
      '-x',
      `http://127.0.0.1:${proxyPort}`,
      '-H',
      'Proxy-Connection: keep-alive',
      `http://svc.cluster:${originPort}/d?q=1`,
    ]);
    expect(stdout).toBe(`GET /d?q=1 host=svc.cluster:${originPort} connection=close proxy=-`);
  });

  it('moves a large body intact', async () => {
    const { stdout } = await run(
      'curl',
      ['-sS', '--max-time', '20', '--socks5-hostname', `127.0.0.1:${proxyPort}`, `http://svc.cluster:${originPort}/bytes/20000000`],
      { maxBuffer: 64 << 20 },
    );
    expect(stdout.length).toBe(20_000_000);
  });

  it('reports an unreachable target: SOCKS reply 5 (refused) and HTTP 502', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const socks = await run('curl', [
      '-sS',
      '--max-time',
      '5',
      '--socks5',
      `127.0.0.1:${proxyPort}`,
      `http://127.0.0.1:${deadPort}/`,
    ]).catch((e: { stderr: string }) => e);
    expect((socks as { stderr: string }).stderr).toMatch(/refused|reply 5|SOCKS5/i);
    const http = await run('curl', [
      '-s',
      '--max-time',
      '5',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      '-x',
      `http://127.0.0.1:${proxyPort}`,
      `http://127.0.0.1:${deadPort}/`,
    ]);
    expect(http.stdout).toBe('502');
  });

  it('propagates a half-close: the client shuts its side and still reads the reply', async () => {
    const echo: Server = createServer({ allowHalfOpen: true }, (s) => {
      const chunks: Buffer[] = [];
      s.on('data', (c) => chunks.push(c));
      s.on('end', () => s.end(Buffer.concat(chunks).toString().toUpperCase()));
    });
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    const port = (echo.address() as AddressInfo).port;
    const client = connect({ host: '127.0.0.1', port: proxyPort, allowHalfOpen: true });
    const reply = new Promise<string>((resolve) => {
      const chunks: Buffer[] = [];
      client.on('data', (c) => chunks.push(c));
      client.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
    });
    client.write(`CONNECT 127.0.0.1:${port} HTTP/1.1\r\nHost: x\r\n\r\nhello`);
    client.end();
    expect(await reply).toBe('HTTP/1.1 200 Connection Established\r\n\r\nHELLO');
    echo.close();
  });

  it('drops clients that speak neither protocol and keeps serving', async () => {
    const client = connect({ host: '127.0.0.1', port: proxyPort });
    client.write('nonsense\r\n\r\n');
    const text = await new Promise<string>((resolve) => {
      let all = '';
      client.on('data', (c) => (all += c));
      client.on('close', () => resolve(all));
    });
    expect(text).toMatch(/^HTTP\/1.1 400 Bad Request/);
    const { stdout } = await run('curl', [
      '-sS',
      '--max-time',
      '5',
      '--socks5',
      `127.0.0.1:${proxyPort}`,
      `http://127.0.0.1:${originPort}/e`,
    ]);
    expect(stdout).toContain('GET /e');
  });
});
