import { describe, expect, it } from 'vitest';
import { parseHttpProxyRequest, splitHostPort } from './http-proxy.js';

describe('HTTP proxy requests', () => {
  it('splits authorities with and without ports, IPv6 included', () => {
    expect(splitHostPort('svc.ns:8080', 80)).toEqual({ host: 'svc.ns', port: 8080 });
    expect(splitHostPort('svc.ns', 80)).toEqual({ host: 'svc.ns', port: 80 });
    expect(splitHostPort('[fd00::1]:443', 80)).toEqual({ host: 'fd00::1', port: 443 });
    expect(splitHostPort('[fd00::1]', 80)).toEqual({ host: 'fd00::1', port: 80 });
  });

  it('reads CONNECT with 443 by default', () => {
    expect(parseHttpProxyRequest(Buffer.from('CONNECT api.ns:8443 HTTP/1.1\r\n\r\n'))).toEqual({
      kind: 'connect',
      host: 'api.ns',
      port: 8443,
    });
  });

  it('rewrites an absolute-form request to origin form', () => {
    const request = parseHttpProxyRequest(
      Buffer.from('POST http://svc/x?y HTTP/1.1\r\nHost: svc\r\nProxy-Connection: keep-alive\r\nContent-Length: 0\r\n\r\n'),
    );
    expect(request.kind).toBe('forward');
    if (request.kind === 'forward')
      expect(request.head.toString()).toBe('POST /x?y HTTP/1.1\r\nHost: svc\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
  });

  it('refuses what is not a proxy request', () => {
    expect(() => parseHttpProxyRequest(Buffer.from('GET /relative HTTP/1.1\r\n\r\n'))).toThrow(/absolute http:\/\/ URL/);
    expect(() => parseHttpProxyRequest(Buffer.from('hello\r\n\r\n'))).toThrow(/not an HTTP proxy request/);
  });
});
