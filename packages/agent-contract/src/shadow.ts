/**
 * The shadow agent's contract (apps/shadow, src/config.ts and its image spec): environment variables,
 * ports and the authorized-keys path. Kept in one place so a change in the agent is one change here.
 */

/** Where the ConfigMap with the run's public key is mounted; the agent reads KT_AUTHORIZED_KEYS. */
export const AGENT_KEYS_DIR = '/etc/kt';
export const AGENT_AUTHORIZED_KEYS_FILE = 'authorized_keys';

/** The agent's SSH port (KT_SSH_PORT) and DNS port (KT_DNS_PORT, UDP and TCP). */
export const AGENT_SSH_PORT = 22;
export const AGENT_DNS_PORT = 53;
/**
 * The agent's mux port (KT_MUX_PORT, @ktctl/mux): bound on the pod's loopback only, because the container
 * runtime's port-forward dials localhost inside the pod's network namespace, so nothing but an
 * authenticated `pods/portforward` of this pod reaches it. The laptop's data path runs on it.
 */
export const AGENT_MUX_PORT = 2222;

/** The environment variables through which the laptop configures the agent (apps/shadow src/config.ts). */
export const AGENT_ENV = {
  sshPort: 'KT_SSH_PORT',
  muxPort: 'KT_MUX_PORT',
  dnsPort: 'KT_DNS_PORT',
  authorizedKeys: 'KT_AUTHORIZED_KEYS',
  logLevel: 'KT_LOG_LEVEL',
  localDomains: 'KT_LOCAL_DOMAINS',
  dnsCacheTtl: 'KT_DNS_CACHE_TTL',
} as const;

/** The authorized-keys file inside the agent's container. */
export const AGENT_AUTHORIZED_KEYS_PATH = `${AGENT_KEYS_DIR}/${AGENT_AUTHORIZED_KEYS_FILE}`;

/** What the laptop tells the agent. */
export interface AgentSettings {
  /** KT_LOG_LEVEL: debug, info, warn, error. */
  logLevel?: string;
  /** KT_LOCAL_DOMAINS: the laptop's own search domains, stripped from DNS queries. */
  localDomains?: readonly string[];
  /** KT_DNS_CACHE_TTL in seconds. */
  dnsCacheTtl?: number;
}

/** The container env of the agent. */
export function agentEnv(settings: AgentSettings = {}): Array<{ name: string; value: string }> {
  const env: Record<string, string> = {
    [AGENT_ENV.sshPort]: String(AGENT_SSH_PORT),
    [AGENT_ENV.muxPort]: String(AGENT_MUX_PORT),
    [AGENT_ENV.dnsPort]: String(AGENT_DNS_PORT),
    [AGENT_ENV.authorizedKeys]: AGENT_AUTHORIZED_KEYS_PATH,
  };
  if (settings.logLevel) env[AGENT_ENV.logLevel] = settings.logLevel;
  if (settings.localDomains?.length) env[AGENT_ENV.localDomains] = settings.localDomains.join(',');
  if (settings.dnsCacheTtl !== undefined) env[AGENT_ENV.dnsCacheTtl] = String(settings.dnsCacheTtl);
  return Object.entries(env).map(([name, value]) => ({ name, value }));
}

/** The container ports of the agent, plus any a redirect needs (exchange/preview/mesh expose target ports). */
export function agentPorts(
  extraTcpPorts: readonly number[] = [],
): Array<{ name?: string; containerPort: number; protocol: 'TCP' | 'UDP' }> {
  const ports: Array<{ name?: string; containerPort: number; protocol: 'TCP' | 'UDP' }> = [
    { name: 'ssh', containerPort: AGENT_SSH_PORT, protocol: 'TCP' },
    // Listed for documentation only: the agent binds it on loopback, so the pod IP does not serve it.
    { name: 'mux', containerPort: AGENT_MUX_PORT, protocol: 'TCP' },
    { name: 'dns-udp', containerPort: AGENT_DNS_PORT, protocol: 'UDP' },
    { name: 'dns-tcp', containerPort: AGENT_DNS_PORT, protocol: 'TCP' },
  ];
  for (const port of extraTcpPorts)
    if (port !== AGENT_SSH_PORT && port !== AGENT_DNS_PORT && port !== AGENT_MUX_PORT) ports.push({ containerPort: port, protocol: 'TCP' });
  return ports;
}
