import { isIP } from 'node:net';
import { z } from 'zod';
import { AGENT_AUTHORIZED_KEYS_PATH, AGENT_DNS_PORT, AGENT_ENV, AGENT_MUX_PORT, AGENT_SSH_PORT } from '@ktctl/agent-contract';
import { LOG_LEVELS, type LogLevel } from './log.js';

/** Everything the agent reads from its environment; see README for each variable. */
export interface AgentConfig {
  logLevel: LogLevel;
  sshHost: string;
  sshPort: number;
  muxHost: string;
  muxPort: number;
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
const hostPort = z
  .string()
  .transform(
    (s, ctx) => parseHostPort(s) ?? (ctx.addIssue({ code: 'custom', message: 'expected <ip> or <ip>:<port> ([<ipv6>]:<port>)' }), z.NEVER),
  );

const EnvSchema = z.object({
  // The variables the laptop sets are named by the contract; the rest are the agent's own knobs.
  [AGENT_ENV.logLevel]: z.enum(LOG_LEVELS).default('info'),
  KT_SSH_HOST: z.string().default(''),
  [AGENT_ENV.sshPort]: port.default(AGENT_SSH_PORT),
  // Loopback: the port-forward reaches it there, the pod's network does not (see agent-contract).
  KT_MUX_HOST: z.string().min(1).default('127.0.0.1'),
  [AGENT_ENV.muxPort]: port.default(AGENT_MUX_PORT),
  [AGENT_ENV.authorizedKeys]: z.string().min(1).default(AGENT_AUTHORIZED_KEYS_PATH),
  KT_HOST_KEY: z.string().min(1).optional(),
  KT_KEEPALIVE_INTERVAL: z.coerce.number().positive().default(15),
  KT_KEEPALIVE_COUNT_MAX: z.coerce.number().int().min(1).default(4),
  KT_DNS_HOST: z.string().default('0.0.0.0'),
  [AGENT_ENV.dnsPort]: port.default(AGENT_DNS_PORT),
  [AGENT_ENV.dnsCacheTtl]: seconds.default(60),
  KT_DNS_UPSTREAM: hostPort.optional(),
  KT_RESOLV_CONF: z.string().min(1).default('/etc/resolv.conf'),
  [AGENT_ENV.localDomains]: list.default([]),
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
  const withAliases = { [AGENT_ENV.logLevel]: env.LOG_LEVEL, [AGENT_ENV.localDomains]: env.LOCAL_DOMAIN, ...definedOnly(env) };
  const parsed = EnvSchema.safeParse(withAliases);
  if (!parsed.success) throw new ConfigError(`invalid environment:\n${z.prettifyError(parsed.error)}`);
  const e = parsed.data;
  return {
    logLevel: e[AGENT_ENV.logLevel],
    sshHost: e.KT_SSH_HOST,
    sshPort: e[AGENT_ENV.sshPort],
    muxHost: e.KT_MUX_HOST,
    muxPort: e[AGENT_ENV.muxPort],
    authorizedKeysPath: e[AGENT_ENV.authorizedKeys],
    hostKeyPath: e.KT_HOST_KEY,
    keepaliveIntervalMs: e.KT_KEEPALIVE_INTERVAL * 1000,
    keepaliveCountMax: e.KT_KEEPALIVE_COUNT_MAX,
    dnsHost: e.KT_DNS_HOST,
    dnsPort: e[AGENT_ENV.dnsPort],
    dnsCacheTtl: e[AGENT_ENV.dnsCacheTtl],
    dnsUpstream: e.KT_DNS_UPSTREAM,
    resolvConfPath: e.KT_RESOLV_CONF,
    localDomains: e[AGENT_ENV.localDomains],
    udpFlowIdleMs: e.KT_UDP_FLOW_IDLE * 1000,
  };
}

/** Only the KT_ variables that are set and non-empty, so empty ones fall back to defaults. */
function definedOnly(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[0].startsWith('KT_') && !!entry[1]));
}
