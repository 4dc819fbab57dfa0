// A connect killed with SIGKILL leaves its journal; `ktctl clean` puts the laptop back. In the cluster,
// clean removes only what is stale by heartbeat in cluster time, never a live run's objects.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useClusterEnv, waitFor } from '../../harness/index.js';
import { ktObjects, ktctl, ktctlEnv, laptopState, startConnect } from './ktctl.js';

const { cluster, laptop } = useClusterEnv(import.meta.filename);
const ns = cluster.facts.testNamespace;

/** Cluster time (unix seconds), as a live run's fresh heartbeat on a pod says it. */
async function clusterSecondsFrom(pod: string): Promise<number> {
  return Number(await cluster.kubectlOk(['-n', ns, 'get', pod, '-o', "jsonpath={.metadata.annotations['kt-last-heart-beat']}"]));
}

describe('after kill -9', () => {
  it('ktctl clean restores the laptop and removes the dead run’s key, but not its still-fresh objects', async () => {
    const { args, env, home } = ktctlEnv(cluster);
    const before = await laptopState(laptop);
    const connect = await startConnect(laptop, [...args, '-n', ns, '--mode', 'sshuttle'], env);
    process.kill(connect.pid, 'SIGKILL');
    await connect.stop();
    expect(await laptopState(laptop)).not.toEqual(before);
    expect(readdirSync(join(home, 'key'))).toHaveLength(1);
    const clean = await ktctl(laptop, ['clean', ...args, '-n', ns], env);
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.stderr).toMatch(/Undid \d+ laptop change\(s\) of dead ktctl connect/);
    expect(await laptopState(laptop)).toEqual(before);
    expect(readdirSync(join(home, 'key'))).toEqual([]);
    // Its heartbeat is seconds old: for clean it could be another user's live shadow.
    expect((await ktObjects(cluster, ns)).filter((o) => o.startsWith('pod/'))).toHaveLength(1);
  });

  it('clean deletes objects whose heartbeat is older than the threshold, and keeps live ones', async () => {
    const { args, env } = ktctlEnv(cluster);
    const [stalePod] = (await ktObjects(cluster, ns)).filter((o) => o.startsWith('pod/'));
    const live = await startConnect(laptop, [...args, '-n', ns, '--disableTunDevice', '--proxyPort', '2320'], env);
    try {
      const [livePod] = (await ktObjects(cluster, ns)).filter((o) => o.startsWith('pod/') && o !== stalePod);
      const old = (await clusterSecondsFrom(livePod!)) - 600;
      expect(old).toBeGreaterThan(1_700_000_000);
      for (const kind of ['pod', 'configmap']) {
        await cluster.kubectlOk(['-n', ns, 'annotate', '--overwrite', `${kind}/${stalePod!.slice(4)}`, `kt-last-heart-beat=${old}`]);
      }
      const dry = await ktctl(laptop, ['clean', ...args, '-n', ns, '--dryRun'], env);
      expect(dry.stdout).toContain(`would delete pods/${stalePod!.slice(4)}`);
      expect(await ktObjects(cluster, ns)).toContain(stalePod);
      const clean = await ktctl(laptop, ['clean', ...args, '-n', ns], env);
      expect(clean.code, clean.stderr).toBe(0);
      await waitFor(async () => !(await ktObjects(cluster, ns)).includes(stalePod!), { timeoutMs: 30_000, what: 'the stale pod to go' });
      const left = await ktObjects(cluster, ns);
      expect(left.filter((o) => o.startsWith('pod/'))).toHaveLength(1);
      expect(left).not.toContain(`configmap/${stalePod!.slice(4)}`);
    } finally {
      await live.stop(20_000);
    }
    await waitFor(async () => (await ktObjects(cluster, ns)).length === 0, { timeoutMs: 30_000, what: 'the live run to clean up after itself' });
  });
});
