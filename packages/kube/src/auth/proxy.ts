import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { ErrorCode, UserError } from '@ktctl/plugin-api';

/**
 * The proxy kubectl would use for the API server: the cluster's `proxy-url` when set (for every host,
 * loopback included), else HTTPS_PROXY / HTTP_PROXY (by the server's scheme, upper case first) unless
 * NO_PROXY exempts the host — Go's golang.org/x/net/http/httpproxy rules, which client-go uses: loopback
 * and `localhost` never go through an environment proxy; NO_PROXY entries are `*`, IPs, CIDRs, and
 * host names with an optional port where `example.com` matches it and its subdomains and `.example.com`
 * (or `*.example.com`) only its subdomains.
 */
export function proxyFor(server: URL, proxyUrl: string | undefined, env: NodeJS.ProcessEnv = process.env): URL | undefined {
  if (proxyUrl) return parseProxyUrl(proxyUrl, 'proxy-url in the kubeconfig');
  const https_ = server.protocol === 'https:' || server.protocol === 'wss:';
  const value = https_ ? envAny(env, 'HTTPS_PROXY', 'https_proxy') : envAny(env, 'HTTP_PROXY', 'http_proxy');
  if (!value) return undefined;
  if (!useProxy(server, envAny(env, 'NO_PROXY', 'no_proxy') ?? '')) return undefined;
  return parseProxyUrl(value, https_ ? 'HTTPS_PROXY' : 'HTTP_PROXY');
}

function envAny(env: NodeJS.ProcessEnv, ...names: string[]): string | undefined {
  for (const n of names) if (env[n]) return env[n];
  return undefined;
}

/** `host:port` or a URL; a value without a scheme is an http:// proxy (as Go reads it). */
export function parseProxyUrl(value: string, source: string): URL {
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`);
  } catch {
    throw new UserError(ErrorCode.InvalidConfig, `${source} is not a proxy URL: ${value}`, {
      hint: 'Use http://host:port, https://host:port or socks5://host:port',
    });
  }
  if (!['http:', 'https:', 'socks5:', 'socks5h:'].includes(url.protocol)) {
    throw new UserError(ErrorCode.InvalidConfig, `${source} has an unsupported scheme: ${value}`, {
      hint: 'Use http://host:port, https://host:port or socks5://host:port',
    });
  }
  return url;
}

/** False when the server's host is loopback/localhost or matches a NO_PROXY entry. */
export function useProxy(server: URL, noProxy: string): boolean {
  const host = unbracket(server.hostname).toLowerCase();
  const port = server.port || (server.protocol === 'https:' || server.protocol === 'wss:' ? '443' : '80');
  if (host === 'localhost') return false;
  const ip = net.isIP(host) ? host : undefined;
  if (ip && isLoopback(ip)) return false;
  for (const raw of noProxy.split(',')) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return false;
    if (entry.includes('/')) {
      if (ip && inCidr(ip, entry)) return false;
      continue;
    }
    const [entryHost, entryPort] = splitHostPort(entry);
    if (net.isIP(entryHost)) {
      if (ip && sameIp(ip, entryHost) && (!entryPort || entryPort === port)) return false;
      continue;
    }
    let suffix = entryHost.startsWith('*.') ? entryHost.slice(1) : entryHost;
    const matchesItself = !suffix.startsWith('.');
    if (matchesItself) suffix = `.${suffix}`;
    if ((host.endsWith(suffix) || (matchesItself && host === suffix.slice(1))) && (!entryPort || entryPort === port)) return false;
  }
  return true;
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function splitHostPort(entry: string): [string, string | undefined] {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (v6) return [v6[1]!, v6[2]];
  if (net.isIPv6(entry)) return [entry, undefined];
  const m = /^(.*):(\d+)$/.exec(entry);
  return m ? [m[1]!, m[2]] : [entry, undefined];
}

function isLoopback(ip: string): boolean {
  return net.isIPv4(ip) ? ip.startsWith('127.') : sameIp(ip, '::1') || /^::ffff:127\./i.test(ip);
}

function ipBytes(ip: string): number[] | undefined {
  if (net.isIPv4(ip)) return ip.split('.').map(Number);
  if (!net.isIPv6(ip)) return undefined;
  const mapped = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(ip);
  let text = ip;
  if (mapped) {
    const b = mapped[2]!.split('.').map(Number);
    text = `${mapped[1]}${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const bytes = groups.flatMap((g) => {
    const v = parseInt(g || '0', 16);
    return [v >> 8, v & 255];
  });
  // An IPv4-mapped IPv6 address compares as its IPv4 address, as Go's net.IP does.
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 255 && bytes[11] === 255) return bytes.slice(12);
  return bytes;
}

function sameIp(a: string, b: string): boolean {
  const x = ipBytes(a);
  const y = ipBytes(b);
  return !!x && !!y && x.length === y.length && x.every((v, i) => v === y[i]);
}

function inCidr(ip: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  const x = ipBytes(ip);
  const y = ipBytes(base ?? '');
  if (!x || !y || x.length !== y.length || !Number.isInteger(bits) || bits < 0 || bits > y.length * 8) return false;
  for (let i = 0; i < bits; i++) {
    const mask = 0x80 >> (i % 8);
    if ((x[i >> 3]! & mask) !== (y[i >> 3]! & mask)) return false;
  }
  return true;
}

/** Why a proxy did not give us a tunnel: one line naming the proxy and the server. */
function proxyError(proxy: URL, target: string, detail: string, cause?: unknown): UserError {
  return new UserError(
    ErrorCode.ClusterUnreachable,
    `Cannot reach the API server ${target} through the proxy ${redact(proxy)} (${detail})`,
    {
      hint: "Check the cluster's proxy-url in the kubeconfig, or HTTPS_PROXY/NO_PROXY",
      cause,
    },
  );
}

/** The proxy URL without its password, for messages. */
export function redact(proxy: URL): string {
  return `${proxy.protocol}//${proxy.username ? `${decodeURIComponent(proxy.username)}@` : ''}${proxy.host}`;
}

/**
 * A connection to host:port through the proxy: HTTP CONNECT (over TLS to an https:// proxy, with
 * Proxy-Authorization from the URL's user info), or a SOCKS5 CONNECT (RFC 1928, user/password of RFC 1929).
 */
export function openTunnel(proxy: URL, host: string, port: number, timeoutMs = 30_000): Promise<net.Socket> {
  const target = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  return new Promise<net.Socket>((resolve, reject) => {
    const proxyPort = Number(proxy.port) || (proxy.protocol === 'https:' ? 443 : proxy.protocol.startsWith('socks') ? 1080 : 80);
    const proxyHost = unbracket(proxy.hostname);
    const socket: net.Socket =
      proxy.protocol === 'https:'
        ? tls.connect({
            host: proxyHost,
            port: proxyPort,
            servername: net.isIP(proxyHost) ? undefined : proxyHost,
            ALPNProtocols: ['http/1.1'],
          })
        : net.connect({ host: proxyHost, port: proxyPort });
    let settled = false;
    const fail = (detail: string, cause?: unknown) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      reject(proxyError(proxy, target, detail, cause));
    };
    const timer = setTimeout(() => fail('timed out'), timeoutMs);
    socket.once('error', (err: NodeJS.ErrnoException) => fail(err.code ?? err.message, err));
    socket.once('close', () => fail('the proxy closed the connection'));
    const done = () => {
      settled = true;
      clearTimeout(timer);
      socket.removeAllListeners('error');
      socket.removeAllListeners('close');
      socket.removeAllListeners('data');
      resolve(socket);
    };
    const ready = proxy.protocol === 'https:' ? 'secureConnect' : 'connect';
    socket.once(ready, () => {
      if (proxy.protocol.startsWith('socks')) socks5(socket, proxy, host, port, done, fail);
      else httpConnect(socket, proxy, target, done, fail);
    });
  });
}

function httpConnect(socket: net.Socket, proxy: URL, target: string, done: () => void, fail: (d: string) => void): void {
  const auth = proxy.username
    ? `Proxy-Authorization: Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}\r\n`
    : '';
  socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n${auth}\r\n`);
  let head = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) {
      if (head.length > 16_384) fail('the proxy sent an oversized answer');
      return;
    }
    socket.off('data', onData);
    const status = /^HTTP\/1\.[01] (\d{3})([^\r\n]*)/.exec(head.subarray(0, end).toString('latin1'));
    if (!status) return fail('the proxy did not answer CONNECT with HTTP');
    if (status[1] !== '200') return fail(`CONNECT answered ${status[1]}${status[2]}`);
    // Anything after the header belongs to the tunnel (a TLS server never speaks first, but be exact).
    const rest = head.subarray(end + 4);
    if (rest.length) socket.unshift(rest);
    done();
  };
  socket.on('data', onData);
}

function socks5(socket: net.Socket, proxy: URL, host: string, port: number, done: () => void, fail: (d: string) => void): void {
  const user = decodeURIComponent(proxy.username);
  const pass = decodeURIComponent(proxy.password);
  let buf = Buffer.alloc(0);
  let stage: 'method' | 'auth' | 'reply' = 'method';
  const sendConnect = () => {
    stage = 'reply';
    let addr: Buffer;
    if (net.isIPv4(host)) addr = Buffer.from([1, ...host.split('.').map(Number)]);
    else if (net.isIPv6(host)) addr = Buffer.from([4, ...(ipBytes(host)!.length === 16 ? ipBytes(host)! : [])]);
    else addr = Buffer.concat([Buffer.from([3, Buffer.byteLength(host)]), Buffer.from(host)]);
    socket.write(Buffer.concat([Buffer.from([5, 1, 0]), addr, Buffer.from([port >> 8, port & 255])]));
  };
  const onData = (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    if (stage === 'method') {
      if (buf.length < 2) return;
      const method = buf[1]!;
      buf = buf.subarray(2);
      if (method === 0) return sendConnect();
      if (method === 2 && user) {
        stage = 'auth';
        socket.write(
          Buffer.concat([
            Buffer.from([1, Buffer.byteLength(user)]),
            Buffer.from(user),
            Buffer.from([Buffer.byteLength(pass)]),
            Buffer.from(pass),
          ]),
        );
        return;
      }
      return fail('the SOCKS proxy accepts none of our authentication methods');
    }
    if (stage === 'auth') {
      if (buf.length < 2) return;
      if (buf[1] !== 0) return fail('the SOCKS proxy rejected the user name or password');
      buf = buf.subarray(2);
      return sendConnect();
    }
    if (buf.length < 5) return;
    if (buf[1] !== 0) return fail(`SOCKS CONNECT failed with code ${buf[1]}`);
    const len = buf[3] === 1 ? 10 : buf[3] === 4 ? 22 : 7 + buf[4]!;
    if (buf.length < len) return;
    socket.off('data', onData);
    if (buf.length > len) socket.unshift(buf.subarray(len));
    done();
  };
  socket.on('data', onData);
  socket.write(user ? Buffer.from([5, 2, 0, 2]) : Buffer.from([5, 1, 0]));
}

type CreateCallback = (err: Error | null, socket?: Duplex) => void;

/**
 * An https.Agent whose connections go through the proxy: tunnel first, then TLS to the API server over it
 * (so certificates, SNI and client certs are checked end to end, exactly as without a proxy). Works for
 * keep-alive REST calls and for `ws` upgrades alike.
 */
export class TunnelAgent extends https.Agent {
  constructor(
    readonly proxy: URL,
    options: https.AgentOptions,
  ) {
    super(options);
  }

  override createConnection(options: tls.ConnectionOptions & { host?: string; port?: number }, callback: CreateCallback): undefined {
    openTunnel(this.proxy, unbracket(options.host ?? 'localhost'), Number(options.port) || 443, Number(options.timeout) || undefined).then(
      (raw) => {
        const secure = tls.connect({ ...options, socket: raw });
        callback(null, secure);
      },
      (err: Error) => callback(err),
    );
    return undefined;
  }
}

/** The same for a plain-http API server: the tunnel itself is the connection. */
export class PlainTunnelAgent extends http.Agent {
  constructor(
    readonly proxy: URL,
    options: http.AgentOptions,
  ) {
    super(options);
  }

  override createConnection(options: net.NetConnectOpts & { host?: string; port?: number }, callback: CreateCallback): undefined {
    openTunnel(this.proxy, unbracket(options.host ?? 'localhost'), Number(options.port) || 80).then(
      (raw) => callback(null, raw),
      (err: Error) => callback(err),
    );
    return undefined;
  }
}

/** An agent for the server through the proxy, or undefined when it is reached directly. */
export function proxyAgent(server: URL, proxy: URL | undefined, options: http.AgentOptions): http.Agent | undefined {
  if (!proxy) return undefined;
  return server.protocol === 'http:' || server.protocol === 'ws:' ? new PlainTunnelAgent(proxy, options) : new TunnelAgent(proxy, options);
}
