// Starting and ending `ktctl exchange` in the laptop namespace for the exchange tests.
import { startBackground, waitFor, type Background, type Cluster, type Laptop } from '../../harness/index.js';
import { KTCTL } from '../connect/ktctl.js';

/** Starts `ktctl exchange ...` as `user` in the laptop namespace and waits until it says the Service is exchanged. */
export async function startExchange(laptop: Laptop, args: readonly string[], env: NodeJS.ProcessEnv, user = 'alice'): Promise<Background> {
  const [cmd, argv] = laptop.argv('env', [
    ...Object.entries({ ...env, USER: user }).map(([k, v]) => `${k}=${v ?? ''}`),
    KTCTL,
    'exchange',
    ...args,
  ]);
  const run = startBackground(cmd, argv);
  await run.waitForOutput(/Press Ctrl-C to end the exchange/, 120_000);
  return run;
}

/** Ctrl-C, then waits for ktctl to finish its cleanup. */
export async function endExchange(run: Background): Promise<void> {
  process.kill(run.pid, 'SIGINT');
  await run.waitForOutput(/is back to its own pods|error/, 90_000).catch(() => undefined);
  await run.stop(30_000);
}

/** The ktctl-made objects (pods, configmaps, deployments, services) in a namespace. */
export async function ktMade(cluster: Cluster, namespace: string): Promise<string[]> {
  const out = await cluster.kubectlOk([
    '-n',
    namespace,
    'get',
    'pods,configmaps,deployments,services',
    '-l',
    'control-by=kt',
    '-o',
    'name',
  ]);
  return out.split('\n').filter(Boolean);
}

/** Waits (bounded) until nothing ktctl made is left in the namespace; deletions finish asynchronously. */
export async function waitNoneMade(cluster: Cluster, namespace: string): Promise<void> {
  let left: string[] = [];
  await waitFor(async () => (left = await ktMade(cluster, namespace)).length === 0, {
    timeoutMs: 30_000,
    what: `ktctl's objects to go (left: ${left.join(', ')})`,
  });
}

/**
 * Cuts every TCP connection one process in the laptop namespace has to the API server (`ss -K`, by its
 * source ports only, so other runs sharing the namespace are untouched): its port-forward streams drop.
 */
export async function dropApiConnections(laptop: Laptop, pid: number): Promise<number> {
  const r = await laptop.run('ss', ['-tnpH', 'state', 'established', '( dport = :6443 )']);
  const ports = r.stdout
    .split('\n')
    .filter((l) => l.includes(`pid=${pid},`))
    .map((l) => l.trim().split(/\s+/)[2]!.split(':').pop()!);
  for (const port of ports) await laptop.run('ss', ['-K', 'state', 'established', `( sport = :${port} )`]);
  return ports.length;
}
