/** What an HTTP proxy request asks for. */
export type HttpProxyRequest =
  | { readonly kind: 'connect'; readonly host: string; readonly port: number }
  /** A plain request in absolute form (`GET http://svc/x`), rewritten for the origin server. */
  | { readonly kind: 'forward'; readonly host: string; readonly port: number; readonly head: Buffer };

const HOP_BY_HOP = new Set(['proxy-connection', 'proxy-authorization', 'connection', 'keep-alive']);

/** Splits `host:port`, `[v6]:port` or `host` (with a default port). */
export function splitHostPort(authority: string, defaultPort: number): { host: string; port: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(authority);
  if (bracketed) return { host: bracketed[1]!, port: bracketed[2] ? Number(bracketed[2]) : defaultPort };
  const colon = authority.lastIndexOf(':');
  if (colon > 0 && /^\d+$/.test(authority.slice(colon + 1)))
    return { host: authority.slice(0, colon), port: Number(authority.slice(colon + 1)) };
  return { host: authority, port: defaultPort };
}

/**
 * Parses a request head (through the blank line). A CONNECT opens a tunnel; an absolute-form request is
 * sent to its origin in origin form with `Connection: close`, since the next request may name another host.
 */
export function parseHttpProxyRequest(head: Buffer): HttpProxyRequest {
  const text = head.toString('latin1');
  const [requestLine = '', ...headerLines] = text.slice(0, text.indexOf('\r\n\r\n')).split('\r\n');
  const [method, target, version] = requestLine.split(' ');
  if (!method || !target || !version?.startsWith('HTTP/')) throw new Error(`not an HTTP proxy request: ${requestLine.slice(0, 80)}`);
  if (method === 'CONNECT') return { kind: 'connect', ...splitHostPort(target, 443) };
  const url = /^http:\/\/([^/?#]+)(.*)$/i.exec(target);
  if (!url) throw new Error(`a proxy request needs an absolute http:// URL, got ${target.slice(0, 80)}`);
  const { host, port } = splitHostPort(url[1]!, 80);
  const headers = headerLines.filter((line) => !HOP_BY_HOP.has(line.slice(0, line.indexOf(':')).trim().toLowerCase()));
  const rewritten = [`${method} ${url[2] || '/'} ${version}`, ...headers, 'Connection: close', '', ''].join('\r\n');
  return { kind: 'forward', host, port, head: Buffer.from(rewritten, 'latin1') };
}

/** A short HTTP response for a proxy failure. */
export function httpProxyError(status: number, reason: string, detail: string): Buffer {
  const body = `${detail}\n`;
  return Buffer.from(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    'latin1',
  );
}
