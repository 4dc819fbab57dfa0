import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, startBackground, type Background } from '@ktctl/testkit';

/** The bundled agent, as built by the global setup. */
export const AGENT_BUNDLE = fileURLToPath(new URL('../../dist/shadow.cjs', import.meta.url));

/** A running agent process and the files made for it. */
export interface AgentProcess extends Background {
  sshPort: number;
  muxPort: number;
  dnsPort: number;
  dir: string;
  /** Private key whose public half is authorized. */
  key: string;
  /** Private key that is not authorized. */
  otherKey: string;
}

/** Makes an ed25519 key pair with OpenSSH's ssh-keygen; returns the private key path. */
async function keygen(path: string): Promise<string> {
  const result = await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'kt-test', '-f', path]);
  if (result.code !== 0) throw new Error(`ssh-keygen failed: ${result.stderr}`);
  return path;
}

/** Spawns `node dist/shadow.cjs` with fresh keys and the given extra environment; waits for its ready line. */
export async function spawnAgent(env: Record<string, string>, options: { dnsPort: number }): Promise<AgentProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'kt-shadow-'));
  const [key, otherKey] = await Promise.all([keygen(join(dir, 'id')), keygen(join(dir, 'other'))]);
  await writeFile(join(dir, 'authorized_keys'), await readFile(`${key}.pub`));
  await writeFile(
    join(dir, 'resolv.conf'),
    'search team-a.svc.cluster.local svc.cluster.local cluster.local\nnameserver 127.0.0.1\noptions ndots:5\n',
  );
  const agentEnv = {
    PATH: process.env.PATH ?? '',
    KT_SSH_HOST: '127.0.0.1',
    KT_SSH_PORT: '0',
    KT_MUX_PORT: '0',
    KT_DNS_HOST: '127.0.0.1',
    KT_DNS_PORT: String(options.dnsPort),
    KT_AUTHORIZED_KEYS: join(dir, 'authorized_keys'),
    KT_RESOLV_CONF: join(dir, 'resolv.conf'),
    KT_LOG_LEVEL: 'debug',
    ...env,
  };
  const background = await startBackground(process.execPath, [AGENT_BUNDLE], { env: agentEnv, ready: /ready: ssh port \d+, dns port \d+/ });
  const [, ssh, dns, mux] = /ready: ssh port (\d+), dns port (\d+) \(udp\+tcp\), mux port (\d+)/.exec(background.output()) ?? [];
  const stop: Background['stop'] = async (signal) => {
    const result = await background.stop(signal);
    await rm(dir, { recursive: true, force: true });
    return result;
  };
  return { ...background, stop, sshPort: Number(ssh), muxPort: Number(mux), dnsPort: Number(dns), dir, key, otherKey };
}

/**
 * OpenSSH client options for tests: no prompts, no host-key bookkeeping, bounded waits. `overrides`
 * (`Name=value`) come first because ssh keeps the first value it reads for an option.
 */
export function sshOptions(agent: AgentProcess, key: string, overrides: string[] = []): string[] {
  return [
    ...overrides.flatMap((o) => ['-o', o]),
    '-F',
    '/dev/null',
    '-o',
    'BatchMode=yes',
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    'LogLevel=ERROR',
    '-o',
    'ConnectTimeout=5',
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'ExitOnForwardFailure=yes',
    '-i',
    key,
    '-p',
    String(agent.sshPort),
  ];
}
