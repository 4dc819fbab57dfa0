export { ProxyServer, splice, type Dialer, type ProxyServerOptions } from './proxy-server.js';
export { SocksReply, replyForError } from './socks5.js';
export { parseHttpProxyRequest, splitHostPort } from './http-proxy.js';
