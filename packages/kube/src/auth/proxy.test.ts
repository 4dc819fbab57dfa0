import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeConfig } from '@kubernetes/client-node';
import { ApiTransport } from '../transport.js';
import { openTunnel, proxyFor, useProxy } from './proxy.js';

const https = (host: string) => new URL(`https://${host}`);

describe('proxyFor (Go httpproxy rules)', () => {
  it('takes proxy-url over the environment, for loopback too', () => {
    expect(proxyFor(https('127.0.0.1:6443'), 'http://p:3128', { HTTPS_PROXY: 'http://other:1' })?.host).toBe('p:3128');
  });
  it('uses HTTPS_PROXY for https servers, HTTP_PROXY for http, upper case first, http:// by default', () => {
    expect(proxyFor(https('10.0.0.1:6443'), undefined, { HTTPS_PROXY: 'proxy:8080', https_proxy: 'x:1' })?.href).toBe('http://proxy:8080/');
    expect(proxyFor(new URL('http://10.0.0.1'), undefined, { HTTPS_PROXY: 'a:1', http_proxy: 'b:2' })?.host).toBe('b:2');
    expect(proxyFor(https('10.0.0.1'), undefined, { HTTP_PROXY: 'b:2' })).toBeUndefined();
  });
  it('never proxies loopback or localhost from the environment', () => {
    expect(proxyFor(https('127.0.0.1:6443'), undefined, { HTTPS_PROXY: 'p:1' })).toBeUndefined();
    expect(proxyFor(https('localhost:6443'), undefined, { HTTPS_PROXY: 'p:1' })).toBeUndefined();
    expect(proxyFor(https('[::1]:6443'), undefined, { HTTPS_PROXY: 'p:1' })).toBeUndefined();
  });
  it('applies NO_PROXY: *, IPs, CIDRs, domains with and without leading dot, ports', () => {
    const at = (host: string, noProxy: string) => useProxy(https(host), noProxy);
    expect(at('10.1.2.3', '*')).toBe(false);
    expect(at('10.1.2.3', '10.0.0.0/8')).toBe(false);
    expect(at('10.1.2.3', '10.1.3.0/24')).toBe(true);
    expect(at('[fd00::5]', 'fd00::/64')).toBe(false);
    expect(at('10.1.2.3', '10.1.2.3')).toBe(false);
    expect(at('10.1.2.3:6443', '10.1.2.3:443')).toBe(true);
    expect(at('10.1.2.3:6443', ' 10.1.2.3:6443 ')).toBe(false);
    expect(at('api.example.com', 'example.com')).toBe(false);
    expect(at('example.com', 'example.com')).toBe(false);
    expect(at('example.com', '.example.com')).toBe(true);
    expect(at('api.example.com', '.example.com')).toBe(false);
    expect(at('api.example.com', '*.example.com')).toBe(false);
    expect(at('badexample.com', 'example.com')).toBe(true);
    expect(at('API.Example.COM:8443', 'example.com:8443')).toBe(false);
    expect(at('api.example.com:8443', 'example.com:443')).toBe(true);
    expect(at('10.1.2.3', 'example.com,,other.org')).toBe(true);
  });
  it('refuses a proxy URL it cannot use, with a stable code', () => {
    expect(() => proxyFor(https('h'), 'ftp://p:1')).toThrow(expect.objectContaining({ code: 'KT_INVALID_CONFIG' }));
  });
});

/** A tiny HTTP CONNECT proxy that records what it was asked. */
function connectProxy(): Promise<{ server: http.Server; port: number; asked: string[] }> {
  const asked: string[] = [];
  const server = http.createServer((_, res) => res.writeHead(405).end());
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    asked.push(`${req.url} ${req.headers['proxy-authorization'] ?? ''}`.trim());
    if (req.url?.endsWith(':1')) return client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
    const [host, port] = [req.url!.slice(0, req.url!.lastIndexOf(':')), Number(req.url!.slice(req.url!.lastIndexOf(':') + 1))];
    const up = net.connect(port, host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      up.write(head);
      up.pipe(client).pipe(up);
    });
    up.on('error', () => client.destroy());
    client.on('error', () => up.destroy());
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r({ server, port: (server.address() as net.AddressInfo).port, asked })));
}

/** A tiny SOCKS5 proxy (no auth) that records the targets. */
function socksProxy(): Promise<{ server: net.Server; port: number; asked: string[] }> {
  const asked: string[] = [];
  const server = net.createServer((c) => {
    c.once('data', () => {
      c.write(Buffer.from([5, 0]));
      c.once('data', (req: Buffer) => {
        const host = req[3] === 3 ? req.subarray(5, 5 + req[4]!).toString() : [...req.subarray(4, 8)].join('.');
        const port = req.readUInt16BE(req.length - 2);
        asked.push(`${host}:${port}`);
        const up = net.connect(port, host, () => {
          c.write(Buffer.from([5, 0, 0, 1, 0, 0, 0, 0, 0, 0]));
          up.pipe(c).pipe(up);
        });
        up.on('error', () => c.destroy());
      });
    });
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r({ server, port: (server.address() as net.AddressInfo).port, asked })));
}

describe('tunnels', () => {
  let api: http.Server;
  let apiPort = 0;
  let proxy: Awaited<ReturnType<typeof connectProxy>>;
  let socks: Awaited<ReturnType<typeof socksProxy>>;
  beforeAll(async () => {
    api = http.createServer((req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: req.url, auth: req.headers.authorization })),
    );
    await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
    apiPort = (api.address() as net.AddressInfo).port;
    proxy = await connectProxy();
    socks = await socksProxy();
  });
  afterAll(() => {
    api.close();
    proxy.server.close();
    socks.server.close();
  });

  function transport(proxyUrl: string): ApiTransport {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: `http://127.0.0.1:${apiPort}`, proxyUrl, skipTLSVerify: true }],
      users: [{ name: 'u', token: 'tok' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    return new ApiTransport(kc, {}, {});
  }

  it('sends REST calls through an HTTP CONNECT proxy (with Proxy-Authorization) and through SOCKS5', async () => {
    const viaHttp = transport(`http://me:s%40cret@127.0.0.1:${proxy.port}`);
    const res = await viaHttp.request<{ path: string; auth: string }>({
      method: 'GET',
      path: '/version',
      action: { verb: 'get', resource: 'version' },
    });
    expect(res.body).toEqual({ path: '/version', auth: 'Bearer tok' });
    expect(proxy.asked).toEqual([`127.0.0.1:${apiPort} Basic ${Buffer.from('me:s@cret').toString('base64')}`]);
    viaHttp.close();
    const viaSocks = transport(`socks5://127.0.0.1:${socks.port}`);
    await viaSocks.request({ method: 'GET', path: '/x', action: { verb: 'get', resource: 'x' } });
    expect(socks.asked).toEqual([`127.0.0.1:${apiPort}`]);
    viaSocks.close();
  });

  it('fails in one line with KT_CLUSTER_UNREACHABLE when the proxy is down or refuses', async () => {
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const deadPort = (closed.address() as net.AddressInfo).port;
    closed.close();
    const dead = transport(`http://127.0.0.1:${deadPort}`);
    const err = await dead.request({ method: 'GET', path: '/', action: { verb: 'get', resource: 'x' } }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'KT_CLUSTER_UNREACHABLE',
      message: `Cannot reach the API server 127.0.0.1:${apiPort} through the proxy http://127.0.0.1:${deadPort} (ECONNREFUSED)`,
    });
    const refused = await openTunnel(new URL(`http://127.0.0.1:${proxy.port}`), '127.0.0.1', 1).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'KT_CLUSTER_UNREACHABLE', message: expect.stringContaining('(CONNECT answered 403 Forbidden)') });
  });
});
