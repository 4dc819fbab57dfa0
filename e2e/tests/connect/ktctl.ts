// What the ktctl e2e tests share: the built binary run inside the laptop namespace, a snapshot of the
// laptop's network state to compare before and after, and the laptop's own upstream DNS server.
import { copyFileSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import { run, startBackground, type Background, type Cluster, type Laptop, type RunResult } from '../../harness/index.js';

/** The modes every connect test runs in. */
export const CONNECT_MODES = ['tun2socks', 'sshuttle'] as const;

export const KTCTL = fileURLToPath(new URL('../../../.cache/e2e/bin/ktctl', import.meta.url));
const NETNS_ETC = '/etc/netns';

if (!existsSync(KTCTL)) throw new Error(`${KTCTL} missing: e2e/run.sh builds it (bash e2e/prepare-ktctl.sh)`);

// Every temporary home a test file made goes when the file is done.
const temporary: string[] = [];
afterAll(() => temporary.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function temporaryDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temporary.push(dir);
  return dir;
}

/** A private ~/.kt and the kubeconfig flags for an identity. */
export function ktctlEnv(
  cluster: Cluster,
  who: 'admin' | 'restricted' = 'admin',
): { args: string[]; env: NodeJS.ProcessEnv; home: string } {
  const home = temporaryDir('kt-e2e-home-');
  return { args: ['-c', cluster.kubeconfig(who)], env: { KT_HOME: home, PATH: process.env.PATH }, home };
}

/** Runs ktctl to completion in the laptop namespace. */
export function ktctl(laptop: Laptop, args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 90_000): Promise<RunResult> {
  return laptop.run('env', [...Object.entries(env).map(([k, v]) => `${k}=${v ?? ''}`), KTCTL, ...args], { timeoutMs });
}

/** Starts `ktctl connect ...` in the laptop namespace and waits until it says it is connected. */
export async function startConnect(laptop: Laptop, args: readonly string[], env: NodeJS.ProcessEnv): Promise<Background> {
  const [cmd, argv] = laptop.argv('env', [...Object.entries(env).map(([k, v]) => `${k}=${v ?? ''}`), KTCTL, 'connect', ...args]);
  const connect = startBackground(cmd, argv);
  await connect.waitForOutput(/Press Ctrl-C to disconnect/, 120_000);
  return connect;
}

/** The laptop's network state: resolver, hosts file, routes, firewall rules. */
export async function laptopState(laptop: Laptop): Promise<Record<string, string>> {
  const netns = laptop.cluster.facts.laptopNetns;
  const read = async (cmd: string, args: string[]) => (await run('ip', ['netns', 'exec', netns, cmd, ...args])).stdout;
  return {
    resolvConf: readFileSync(join(NETNS_ETC, netns, 'resolv.conf'), 'utf8'),
    hosts: readFileSync(join(NETNS_ETC, netns, 'hosts'), 'utf8'),
    routes: await read('ip', ['route', 'show', 'table', 'all']),
    iptables: (await read('iptables-save', []))
      .split('\n')
      .filter((l) => !l.startsWith('#'))
      .join('\n'),
    nft: await read('nft', ['list', 'ruleset']),
  };
}

/**
 * The laptop's own resolver: a dnsmasq on 127.0.0.2 in the laptop namespace that knows one external name
 * (`www.example.test`), named in the laptop's resolv.conf for the test file's duration.
 */
export async function startLaptopUpstream(laptop: Laptop): Promise<{ stop(): Promise<void> }> {
  const netns = laptop.cluster.facts.laptopNetns;
  const resolv = join(NETNS_ETC, netns, 'resolv.conf');
  const original = readFileSync(resolv, 'utf8');
  writeFileSync(resolv, 'nameserver 127.0.0.2\nsearch corp.example\n');
  const [cmd, argv] = laptop.argv('dnsmasq', [
    '--keep-in-foreground',
    '--no-resolv',
    '--no-hosts',
    '--listen-address=127.0.0.2',
    '--bind-interfaces',
    '--port=53',
    '--address=/www.example.test/192.0.2.10',
    '--log-facility=-',
  ]);
  const dnsmasq = startBackground(cmd, argv);
  await laptop.run('ip', ['link', 'set', 'lo', 'up']);
  return {
    async stop() {
      await dnsmasq.stop();
      writeFileSync(resolv, original);
    },
  };
}

/** A home folder owned by an unprivileged user, with a kubeconfig copy it can read. */
export function unprivilegedHome(cluster: Cluster, uid: number): { home: string; kubeconfig: string } {
  const home = temporaryDir('kt-e2e-user-');
  const kubeconfig = join(home, 'kubeconfig');
  copyFileSync(cluster.kubeconfig('admin'), kubeconfig);
  chownSync(kubeconfig, uid, uid);
  chownSync(home, uid, uid);
  return { home, kubeconfig };
}

/** Objects ktctl made in a namespace, as `kind/name` lines. */
export async function ktObjects(cluster: Cluster, namespace: string): Promise<string[]> {
  const out = await cluster.kubectl(['-n', namespace, 'get', 'pods,configmaps,deployments,services', '-l', 'control-by=kt', '-o', 'name']);
  return out.stdout.split('\n').filter(Boolean);
}
