import { ROUTER_ANNOTATIONS_FILE, ROUTER_CONTROL_PORT, ROUTER_ENV, ROUTER_PODINFO_DIR } from '@ktctl/agent-contract';
import { z } from 'zod';
import { LOG_LEVELS, type LogLevel } from './log.js';

/** Everything the router reads from its environment; see README for each variable. */
export interface RouterConfig {
  logLevel: LogLevel;
  /** Target ports, one listener each; a request arriving on port P goes to `<backend>:P`. */
  ports: number[];
  /** Bind address of every listener; empty = all interfaces (IPv6 and IPv4). */
  host: string;
  controlPort: number;
  annotationsFile: string;
  defaultBackend: string | undefined;
  sniffTimeoutMs: number;
  /** How often the annotations file is re-read, besides the directory watch. */
  rulesPollMs: number;
  /** Fixed addresses for some backends (tests, runs outside a cluster); others resolve by cluster DNS. */
  backendAddresses: Map<string, { host: string; port: number }>;
}

/** A bad environment: the message lists every problem; the router exits with code 2. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const port = z.coerce.number().int().min(1).max(65535);
const portList = z.string().transform((s, ctx) => {
  const ports = s
    .split(/[\s,]+/)
    .filter(Boolean)
    .map(Number);
  if (!ports.length || ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) {
    ctx.addIssue({ code: 'custom', message: 'expected comma-separated ports, e.g. 8080,9090' });
    return z.NEVER;
  }
  return [...new Set(ports)];
});

/** `name=host:port,...` → a map; a port here replaces the target port. */
const addressMap = z.string().transform((s, ctx) => {
  const map = new Map<string, { host: string; port: number }>();
  for (const item of s.split(',').filter(Boolean)) {
    const m = /^([^=]+)=(.+):(\d+)$/.exec(item.trim());
    if (!m || Number(m[3]) < 1 || Number(m[3]) > 65535) {
      ctx.addIssue({ code: 'custom', message: `expected name=host:port, got ${item}` });
      return z.NEVER;
    }
    map.set(m[1]!, { host: m[2]!.replace(/^\[(.*)\]$/, '$1'), port: Number(m[3]) });
  }
  return map;
});

const EnvSchema = z
  .object({
    [ROUTER_ENV.logLevel]: z.enum(LOG_LEVELS).default('info'),
    [ROUTER_ENV.ports]: portList,
    KT_ROUTER_HOST: z.string().default(''),
    [ROUTER_ENV.controlPort]: port.default(ROUTER_CONTROL_PORT),
    [ROUTER_ENV.annotationsFile]: z.string().min(1).default(`${ROUTER_PODINFO_DIR}/${ROUTER_ANNOTATIONS_FILE}`),
    [ROUTER_ENV.defaultBackend]: z.string().min(1).optional(),
    [ROUTER_ENV.sniffTimeoutMs]: z.coerce.number().int().min(1).max(60_000).default(300),
    KT_ROUTER_RULES_POLL_MS: z.coerce.number().int().min(50).default(2_000),
    KT_ROUTER_BACKEND_ADDRESSES: addressMap.optional(),
  })
  .superRefine((env, ctx) => {
    const control = env[ROUTER_ENV.controlPort];
    if (env[ROUTER_ENV.ports].includes(control)) {
      ctx.addIssue({
        code: 'custom',
        path: [ROUTER_ENV.ports],
        message: `target port ${control} is the control port; set ${ROUTER_ENV.controlPort} to another port`,
      });
    }
  });

/** Reads the router's configuration from environment variables (unset or empty ones take defaults). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): RouterConfig {
  const defined = Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith('KT_') && !!v));
  const parsed = EnvSchema.safeParse(defined);
  if (!parsed.success) throw new ConfigError(`invalid environment:\n${z.prettifyError(parsed.error)}`);
  const e = parsed.data;
  return {
    logLevel: e[ROUTER_ENV.logLevel],
    ports: e[ROUTER_ENV.ports],
    host: e.KT_ROUTER_HOST,
    controlPort: e[ROUTER_ENV.controlPort],
    annotationsFile: e[ROUTER_ENV.annotationsFile],
    defaultBackend: e[ROUTER_ENV.defaultBackend],
    sniffTimeoutMs: e[ROUTER_ENV.sniffTimeoutMs],
    rulesPollMs: e.KT_ROUTER_RULES_POLL_MS,
    backendAddresses: e.KT_ROUTER_BACKEND_ADDRESSES ?? new Map(),
  };
}
