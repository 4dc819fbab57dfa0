import { isIP } from 'node:net';
import { z } from 'zod';
import { LOG_LEVELS, type LogLevel } from './log.js';

/** Everything the agent reads from its environment; see README for each variable. */
export interface AgentConfig {
  logLevel: LogLevel;
  sshHost: string;
  sshPort: number;
  authorizedKeysPath: string;
  hostKeyPath: string | undefined;
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
  dnsHost: string;
  dnsPort: number;
  dnsCacheTtl: number;
  dnsUpstream: { host: string; port: number } | undefined;
  resolvConfPath: string;
  localDomains: string[];
  udpFlowIdleMs: number;
}

/** A bad environment: the message lists every problem; the agent exits with code 2. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const port = z.coerce.number().int().min(0).max(65535);
const seconds = z.coerce.number().min(0);
const list = z.string().transform((s) => s.split(/[\s,]+/).filter(Boolean));
const hostPort = z.string().transform((s, ctx) => parseHostPort(s) ?? (ctx.addIssue({ code: 'custom', message: 'expected <ip> or <ip>:<port> ([<ipv6>]:<port>)' }), z.NEVER));

const EnvSchema = z.object({
  KT_LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  KT_SSH_HOST: z.string().default(''),
  KT_SSH_PORT: port.default(22),
  KT_AUTHORIZED_KEYS: z.string().min(1).default('/etc/kt/authorized_keys'),
  KT_HOST_KEY: z.string().min(1).optional(),
  KT_KEEPALIVE_INTERVAL: z.coerce.number().positive().default(15),
  KT_KEEPALIVE_COUNT_MAX: z.coerce.number().int().min(1).default(4),
  KT_DNS_HOST: z.string().default('0.0.0.0'),
  KT_DNS_PORT: port.default(53),
  KT_DNS_CACHE_TTL: seconds.default(60),
  KT_DNS_UPSTREAM: hostPort.optional(),
  KT_RESOLV_CONF: z.string().min(1).default('/etc/resolv.conf'),
  KT_LOCAL_DOMAINS: list.default([]),
  KT_UDP_FLOW_IDLE: seconds.default(60),
});

/** `10.0.0.1`, `10.0.0.1:5353`, `fd00::1`, `[fd00::1]:5353` → host and port (53 when absent). */
export function parseHostPort(text: string): { host: string; port: number } | undefined {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  const [host, portText] = bracketed ? [bracketed[1], bracketed[2]] : isIP(text) ? [text, undefined] : text.split(':');
  const port = portText === undefined ? 53 : Number(portText);
  if (!host || !isIP(host) || !Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  return { host, port };
}

/** Reads the agent's configuration from environment variables (KtConnect's LOG_LEVEL and LOCAL_DOMAIN too). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AgentConfig {
  const withAliases = { KT_LOG_LEVEL: env.LOG_LEVEL, KT_LOCAL_DOMAINS: env.LOCAL_DOMAIN, ...definedOnly(env) };
  const parsed = EnvSchema.safeParse(withAliases);
  if (!parsed.success) throw new ConfigError(`invalid environment:\n${z.prettifyError(parsed.error)}`);
  const e = parsed.data;
  return {
    logLevel: e.KT_LOG_LEVEL,
    sshHost: e.KT_SSH_HOST,
    sshPort: e.KT_SSH_PORT,
    authorizedKeysPath: e.KT_AUTHORIZED_KEYS,
    hostKeyPath: e.KT_HOST_KEY,
    keepaliveIntervalMs: e.KT_KEEPALIVE_INTERVAL * 1000,
    keepaliveCountMax: e.KT_KEEPALIVE_COUNT_MAX,
    dnsHost: e.KT_DNS_HOST,
    dnsPort: e.KT_DNS_PORT,
    dnsCacheTtl: e.KT_DNS_CACHE_TTL,
    dnsUpstream: e.KT_DNS_UPSTREAM,
    resolvConfPath: e.KT_RESOLV_CONF,
    localDomains: e.KT_LOCAL_DOMAINS,
    udpFlowIdleMs: e.KT_UDP_FLOW_IDLE * 1000,
  };
}

/** Only the KT_ variables that are set and non-empty, so empty ones fall back to defaults. */
function definedOnly(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[0].startsWith('KT_') && !!entry[1]));
}
