/**
 * The router: one TCP listener per target port. Each connection's first bytes decide its fate: HTTP/1.x and
 * the HTTP/2 preface go to the header-routing proxies, anything else (TLS, a server-first protocol, a silent
 * client) is passed through to the default backend untouched.
 */
import { RouterRuleSetSchema, type RouterRuleSet } from '@ktctl/agent-contract';
import { once } from 'node:events';
import type { Server as HttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { resolverWith, type ResolveBackend } from './backends.js';
import type { RouterConfig } from './config.js';
import { createControlServer } from './control.js';
import { createHttp1Router } from './http1.js';
import { createHttp2Router } from './http2.js';
import type { Log } from './log.js';
import { passThrough } from './passthrough.js';
import { RuleTable } from './rules.js';
import { readRulesFile, watchRulesFile } from './rules-source.js';
import { sniff } from './sniff.js';

/** Thrown when the router cannot start with what it was given (no rules and no default backend). */
export class StartError extends Error {
  override name = 'StartError';
}

export interface Router {
  rules: RuleTable;
  controlPort: number;
  /** Open client connections, across all ports. */
  connections(): number;
  close(): Promise<void>;
}

export interface RouterDeps {
  /** How a backend Service's port is reached; tests map names to loopback ports. */
  resolve?: ResolveBackend;
}

/** The rule set to start with: the annotation's, else an empty one routing everything to the default backend. */
export function initialRules(config: RouterConfig, log: Log): RouterRuleSet {
  let stored: unknown;
  try {
    stored = readRulesFile(config.annotationsFile);
    if (stored !== undefined) return RouterRuleSetSchema.parse(stored);
  } catch (error) {
    if (!config.defaultBackend) throw new StartError(`${config.annotationsFile}: ${(error as Error).message}`, { cause: error });
    log.warn(`${config.annotationsFile}: ignoring stored rules: ${(error as Error).message}`);
  }
  if (!config.defaultBackend) throw new StartError(`no rules in ${config.annotationsFile} and no default backend set`);
  return { generation: 0, default: config.defaultBackend, routes: [] };
}

export async function startRouter(config: RouterConfig, log: Log, deps: RouterDeps = {}): Promise<Router> {
  const resolve = deps.resolve ?? resolverWith(config.backendAddresses);
  const rules = new RuleTable(initialRules(config, log), (r, source) =>
    log.info(`rules generation ${r.generation} from ${source}: ${describe(r)}`),
  );
  log.info(`rules generation ${rules.current.generation}: ${describe(rules.current)}`);
  const sockets = new Set<Socket>();
  const closers: Array<() => void> = [];
  const servers: Array<Server | HttpServer> = [];
  for (const port of config.ports) {
    const h1 = createHttp1Router({ port, rules, resolve, log });
    const h2 = createHttp2Router({ port, rules, resolve, log });
    closers.push(h1.close, h2.close);
    const listener = createServer({ allowHalfOpen: true, noDelay: true, pauseOnConnect: false }, (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
      void sniff(socket, config.sniffTimeoutMs).then(({ protocol, head }) => {
        if (socket.destroyed) return;
        if (protocol === 'other') {
          const target = resolve(rules.current.default, port);
          return passThrough(socket, head, target.host, target.port, log);
        }
        if (head.length) socket.unshift(head);
        // The HTTP/2 server manages its own connection ends; the HTTP/1 one answers after the client's FIN.
        if (protocol === 'h2') return void ((socket.allowHalfOpen = false), h2.server.emit('connection', socket));
        h1.server.emit('connection', socket);
        socket.resume();
      });
    });
    servers.push(listener);
    await listen(listener, port, config.host);
  }
  const control = createControlServer(rules, config.ports, log);
  servers.push(control);
  await listen(control, config.controlPort, config.host);
  closers.push(watchRulesFile(config.annotationsFile, rules, config.rulesPollMs, log));
  return {
    rules,
    controlPort: (control.address() as AddressInfo).port,
    connections: () => sockets.size,
    close: async () => {
      for (const close of closers) close();
      for (const socket of sockets) socket.destroy();
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    },
  };
}

async function listen(server: Server | HttpServer, port: number, host: string): Promise<void> {
  server.listen(host ? { port, host } : { port });
  await Promise.race([
    once(server, 'listening'),
    once(server, 'error').then(([error]) =>
      Promise.reject(new StartError(`cannot listen on port ${port}: ${(error as Error).message}`, { cause: error })),
    ),
  ]);
}

function describe(r: RouterRuleSet): string {
  const routes = r.routes.map((x) => `${x.header}=${x.value} → ${x.backend} (${x.user})`);
  return [...routes, `else → ${r.default}`].join(', ');
}
