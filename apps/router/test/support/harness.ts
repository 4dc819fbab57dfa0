/** Real peers on loopback for the router's tests: backends that say who they are, the router in-process or as the bundle. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROUTER_COMMAND, ROUTER_ENV, ROUTER_RULES_ANNOTATION, type RouterRuleSet } from '@ktctl/agent-contract';
import { formatAnnotations } from '../../src/annotations.js';
import { createLog } from '../../src/log.js';
import { startRouter, type Router } from '../../src/router.js';

export const BUNDLE = fileURLToPath(new URL('../../dist/router.cjs', import.meta.url));
/** Node's flags from the pod's command, so the bundle runs here as it does in the cluster. */
export const NODE_FLAGS = ROUTER_COMMAND.slice(1, -1);

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

export async function listen<
  T extends { listen(port: number, host: string): unknown; once(e: string, f: () => void): unknown; address(): unknown },
>(server: T): Promise<number> {
  server.listen(0, '127.0.0.1');
  await new Promise<void>((r) => server.once('listening', r));
  return (server.address() as AddressInfo).port;
}

/** An HTTP/1.1 backend answering every request with JSON `{ backend, method, url, headers }`. */
export async function nameServer(name: string): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () =>
      res
        .setHeader('content-type', 'application/json')
        .end(JSON.stringify({ backend: name, method: req.method, url: req.url, headers: req.headers })),
    );
  });
  return { server, port: await listen(server) };
}

export function ruleSet(
  generation: number,
  routes: Array<[header: string, value: string, backend: string]> = [],
  fallback = 'stuntman',
): RouterRuleSet {
  return {
    generation,
    default: fallback,
    routes: routes.map(([header, value, backend]) => ({ header, value, backend, user: `user-of-${backend}` })),
  };
}

export function annotationsText(rules: RouterRuleSet): string {
  return formatAnnotations({
    [ROUTER_RULES_ANNOTATION]: JSON.stringify(rules),
    'kt-ref-count': '1',
    'kubernetes.io/config.seen': '2026-12-03T07:00:00Z',
  });
}

export interface InProcess {
  router: Router;
  port: number;
  control: string;
  dir: string;
  close(): Promise<void>;
}

/** The router in this process on a fresh port, backends named → loopback ports. */
export async function startInProcess(
  backends: Record<string, number>,
  rules: RouterRuleSet = ruleSet(1),
  options: { sniffTimeoutMs?: number; pollMs?: number } = {},
): Promise<InProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'kt-router-'));
  const annotationsFile = join(dir, 'annotations');
  writeFileSync(annotationsFile, annotationsText(rules));
  const port = await freePort();
  const log = createLog(process.env.KT_TEST_LOG ? 'debug' : 'silent');
  const router = await startRouter(
    {
      logLevel: 'silent',
      ports: [port],
      host: '127.0.0.1',
      controlPort: 0,
      annotationsFile,
      defaultBackend: undefined,
      sniffTimeoutMs: options.sniffTimeoutMs ?? 200,
      rulesPollMs: options.pollMs ?? 100,
      backendAddresses: new Map(),
    },
    log,
    { resolve: (backend) => ({ host: '127.0.0.1', port: backends[backend] ?? 1 }) },
  );
  return {
    router,
    port,
    control: `http://127.0.0.1:${router.controlPort}`,
    dir,
    close: async () => {
      await router.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Child {
  process: ChildProcess;
  port: number;
  control: string;
  stderr: () => string;
  /** Resident set size and its peak, in bytes, from /proc. */
  memory(): { rss: number; peak: number };
  stop(): Promise<void>;
}

/** The bundled router as the image runs it, with backends at fixed loopback addresses. */
export async function startChild(
  backends: Record<string, number>,
  annotationsFile: string,
  extraEnv: Record<string, string> = {},
): Promise<Child> {
  const port = await freePort();
  const controlPort = await freePort();
  const env = {
    PATH: process.env.PATH,
    [ROUTER_ENV.ports]: String(port),
    [ROUTER_ENV.controlPort]: String(controlPort),
    [ROUTER_ENV.annotationsFile]: annotationsFile,
    [ROUTER_ENV.logLevel]: 'info',
    KT_ROUTER_HOST: '127.0.0.1',
    KT_ROUTER_RULES_POLL_MS: '100',
    KT_ROUTER_BACKEND_ADDRESSES: Object.entries(backends)
      .map(([n, p]) => `${n}=127.0.0.1:${p}`)
      .join(','),
    ...extraEnv,
  };
  const child = spawn(process.execPath, [...NODE_FLAGS, BUNDLE], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes(' ready: ')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`router exited with ${code}: ${stderr}`)));
  });
  const kb = (status: string, key: string): number => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) * 1024;
  return {
    process: child,
    port,
    control: `http://127.0.0.1:${controlPort}`,
    stderr: () => stderr,
    memory: () => {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return { rss: kb(status, 'VmRSS'), peak: kb(status, 'VmHWM') };
    },
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** One HTTP/1.1 request; resolves with status, headers, body text and trailers. */
export function request(
  options: http.RequestOptions & { body?: string | Buffer },
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string; trailers: NodeJS.Dict<string> }> {
  return new Promise((resolve, reject) => {
    const req = http.request(options, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body, trailers: res.trailers }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Who answered (the name backend's `backend` field). */
export async function whoAnswers(port: number, headers: Record<string, string> = {}, agent?: http.Agent): Promise<string> {
  const res = await request({ host: '127.0.0.1', port, path: '/who', headers, agent });
  return (JSON.parse(res.body) as { backend: string }).backend;
}

export async function putRules(control: string, body: unknown): Promise<{ status: number; body: string }> {
  const res = await fetch(`${control}/rules`, { method: 'PUT', body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, body: await res.text() };
}
