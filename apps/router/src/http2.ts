/**
 * HTTP/2 (h2c, gRPC): every stream is routed on its own over one HTTP/2 session per backend, never
 * downgraded. Headers, DATA and trailers are relayed as they come (trailers-only responses too), and a
 * reset on either side resets the other (client cancellation reaches the backend and back).
 */
import http2, { type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import type { ResolveBackend } from './backends.js';
import type { Log } from './log.js';
import type { RuleTable } from './rules.js';

const { NGHTTP2_FLAG_END_STREAM, NGHTTP2_NO_ERROR, NGHTTP2_CANCEL } = http2.constants;
/** Larger windows than the protocol's 64 KiB keep a fast stream from stalling on WINDOW_UPDATE round trips. */
const SETTINGS: http2.Settings = { initialWindowSize: 1 << 20, enablePush: false };

interface Http2Options {
  port: number;
  rules: RuleTable;
  resolve: ResolveBackend;
  log: Log;
}

export interface Http2Router {
  server: http2.Http2Server;
  /** Closes the sessions to backends. */
  close(): void;
}

/** An h2c server that is never listened on: the port's listener hands it the connections with the preface. */
export function createHttp2Router(o: Http2Options): Http2Router {
  const sessions = new Map<string, ClientHttp2Session>();
  const server = http2.createServer({ settings: SETTINGS });
  server.on('session', (session) => session.on('error', (error) => o.log.debug(`h2 client session: ${error.message}`)));
  server.on('stream', (stream, headers, flags) => proxyStream(o, sessionTo(o, sessions, o.rules.pick(headers)), stream, headers, flags));
  return {
    server,
    close: () => {
      for (const s of sessions.values()) s.destroy();
      sessions.clear();
    },
  };
}

/** The open session to `backend`, or a new one; a session that closes or is told GOAWAY is forgotten. */
function sessionTo(
  o: Http2Options,
  sessions: Map<string, ClientHttp2Session>,
  backend: string,
): { backend: string; session: ClientHttp2Session } {
  const existing = sessions.get(backend);
  if (existing && !existing.closed && !existing.destroyed) return { backend, session: existing };
  const target = o.resolve(backend, o.port);
  const session = http2.connect(`http://${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`, {
    settings: SETTINGS,
  });
  const forget = (): void => void (sessions.get(backend) === session && sessions.delete(backend));
  session.on('error', (error) => (o.log.debug(`h2 session ${backend}:${o.port}: ${error.message}`), forget()));
  session.on('goaway', forget);
  session.on('close', forget);
  session.on('connect', () => session.setLocalWindowSize(8 << 20));
  session.unref();
  sessions.set(backend, session);
  return { backend, session };
}

function proxyStream(
  o: Http2Options,
  to: { backend: string; session: ClientHttp2Session },
  stream: ServerHttp2Stream,
  headers: IncomingHttpHeaders,
  flags: number,
): void {
  const endStream = (flags & NGHTTP2_FLAG_END_STREAM) !== 0;
  let up: ClientHttp2Stream;
  try {
    up = to.session.request(headers, endStream ? { endStream: true } : { endStream: false, waitForTrailers: true });
  } catch (error) {
    return badGateway(o, stream, to.backend, error as Error);
  }
  let requestTrailers: IncomingHttpHeaders | undefined;
  let responseTrailers: IncomingHttpHeaders | undefined;
  stream.on('trailers', (t) => (requestTrailers = t));
  up.on('wantTrailers', () => up.sendTrailers(requestTrailers ?? {}));
  if (endStream) stream.resume();
  else stream.pipe(up);

  up.on('headers', (informational) => stream.additionalHeaders(informational));
  up.on('response', (responseHeaders, responseFlags) => {
    if (stream.destroyed) return;
    const done = (responseFlags & NGHTTP2_FLAG_END_STREAM) !== 0;
    stream.respond(responseHeaders, done ? { endStream: true } : { endStream: false, waitForTrailers: true });
    if (!done) up.pipe(stream);
  });
  up.on('trailers', (t) => (responseTrailers = t));
  stream.on('wantTrailers', () => stream.sendTrailers(responseTrailers ?? {}));

  up.on('error', (error) => {
    if (!stream.headersSent) return badGateway(o, stream, to.backend, error);
    o.log.debug(`h2 ${headers[':path']} → ${to.backend}:${o.port}: ${error.message}`);
  });
  stream.on('error', (error) => o.log.debug(`h2 client stream ${headers[':path']}: ${error.message}`));
  // A reset on one side resets the other with the same code; a normal end closes both by itself.
  up.on('close', () => {
    if (up.rstCode !== NGHTTP2_NO_ERROR && !stream.closed) stream.close(up.rstCode);
  });
  stream.on('close', () => {
    if (!up.closed) up.close(stream.rstCode !== NGHTTP2_NO_ERROR && stream.rstCode !== undefined ? stream.rstCode : NGHTTP2_CANCEL);
  });
}

function badGateway(o: Http2Options, stream: ServerHttp2Stream, backend: string, error: Error): void {
  o.log.debug(`h2 → ${backend}:${o.port}: ${error.message}`);
  if (stream.destroyed || stream.headersSent) return void stream.close(NGHTTP2_CANCEL);
  // gRPC clients read 502 as UNAVAILABLE.
  stream.respond({ ':status': 502, 'content-type': 'text/plain' }, { endStream: false });
  stream.end(`kt-router: ${backend}:${o.port}: ${(error as NodeJS.ErrnoException).code ?? error.message}\n`);
}
