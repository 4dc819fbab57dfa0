import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSshKeyPair } from '@ktctl/tunnel/keys';
import { freePort, startBackground, type Background } from '@ktctl/testkit';

const SHADOW = fileURLToPath(new URL('../../../apps/shadow/', import.meta.url));

/** The real shadow agent (apps/shadow, bundled as in its image) running on loopback. */
export interface ShadowAgent extends Background {
  sshPort: number;
  dnsPort: number;
  privateKey: string;
}

/** Builds apps/shadow/dist/shadow.cjs, as the agent's own tests do. */
export function bundleAgent(): void {
  execFileSync(process.execPath, [join(SHADOW, 'scripts/bundle.mjs')], { stdio: 'inherit', timeout: 60_000 });
}

/**
 * Spawns the agent with one authorized key, its DNS asking `clusterDns`, the pod search list of namespace
 * `namespace`, and the laptop's search domains in KT_LOCAL_DOMAINS (as connect passes them).
 */
export async function startShadowAgent(
  clusterDns: { host: string; port: number },
  namespace: string,
  localDomains: string[],
  extraEnv: Record<string, string> = {},
): Promise<ShadowAgent> {
  const dir = await mkdtemp(join(tmpdir(), 'kt-dns-agent-'));
  const keys = generateSshKeyPair();
  await writeFile(join(dir, 'authorized_keys'), `${keys.publicKey}\n`);
  await writeFile(
    join(dir, 'resolv.conf'),
    `search ${namespace}.svc.cluster.local svc.cluster.local cluster.local\nnameserver 127.0.0.1\noptions ndots:5\n`,
  );
  const env = {
    PATH: process.env.PATH ?? '',
    KT_SSH_HOST: '127.0.0.1',
    KT_SSH_PORT: '0',
    KT_MUX_PORT: '0',
    KT_DNS_HOST: '127.0.0.1',
    KT_DNS_PORT: String(await freePort()),
    KT_DNS_UPSTREAM: `${clusterDns.host}:${clusterDns.port}`,
    KT_LOCAL_DOMAINS: localDomains.join(','),
    KT_AUTHORIZED_KEYS: join(dir, 'authorized_keys'),
    KT_RESOLV_CONF: join(dir, 'resolv.conf'),
    KT_LOG_LEVEL: 'debug',
    ...extraEnv,
  };
  const agent = await startBackground(process.execPath, [join(SHADOW, 'dist/shadow.cjs')], {
    env,
    ready: /ready: ssh port \d+, dns port \d+/,
    timeoutMs: 10_000,
  }).catch(async (error: unknown) => {
    await rm(dir, { recursive: true, force: true });
    throw error;
  });
  const [, ssh, dns] = /ready: ssh port (\d+), dns port (\d+)/.exec(agent.output()) ?? [];
  const stop = async () => {
    const exit = await agent.stop();
    await rm(dir, { recursive: true, force: true });
    return exit;
  };
  return { ...agent, stop, sshPort: Number(ssh), dnsPort: Number(dns), privateKey: keys.privateKey };
}
