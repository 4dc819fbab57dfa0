// A connect killed with SIGKILL leaves its journal; `ktctl clean` puts the laptop back. In the cluster,
// clean removes only what is stale by heartbeat in cluster time, never a live run's objects.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useClusterEnv, waitFor } from '../../harness/index.js';
import { CONNECT_MODES, ktObjects, ktctl, ktctlEnv, laptopState, startConnect } from './ktctl.js';

const { cluster, laptop } = useClusterEnv(import.meta.filename);
const ns = cluster.facts.testNamespace;

/** Cluster time (unix seconds), as a live run's fresh heartbeat on a pod says it. */
async function clusterSecondsFrom(pod: string): Promise<number> {
  return Number(await cluster.kubectlOk(['-n', ns, 'get', pod, '-o', "jsonpath={.metadata.annotations['kt-last-heart-beat']}"]));
}

const shadowPods = async () => (await ktObjects(cluster, ns)).filter((o) => o.startsWith('pod/'));

describe('after kill -9', () => {
  it.each(CONNECT_MODES)(
    '--mode %s: ktctl clean restores the laptop and removes the dead run’s key, but not its still-fresh objects',
    async (mode) => {
      const { args, env, home } = ktctlEnv(cluster);
      const before = await laptopState(laptop);
      const podsBefore = (await shadowPods()).length;
      const connect = await startConnect(laptop, [...args, '-n', ns, '--mode', mode], env);
      process.kill(connect.pid, 'SIGKILL');
      await connect.stop();
      expect(await laptopState(laptop)).not.toEqual(before);
      expect(readdirSync(join(home, 'key'))).toHaveLength(1);
      const clean = await ktctl(laptop, ['clean', ...args, '-n', ns], env);
      expect(clean.code, clean.stderr).toBe(0);
      expect(clean.stderr).toMatch(/Undid \d+ laptop change\(s\) of dead ktctl connect/);
      expect(await laptopState(laptop)).toEqual(before);
      expect((await laptop.run('ip', ['link', 'show', 'kt0'])).code).not.toBe(0);
      expect(readdirSync(join(home, 'key'))).toEqual([]);
      // Its heartbeat is seconds old: for clean it could be another user's live shadow.
      expect(await shadowPods()).toHaveLength(podsBefore + 1);
    },
  );

  it('clean deletes objects whose heartbeat is older than the threshold, and keeps live ones', async () => {
    const { args, env } = ktctlEnv(cluster);
    // The shadows of the killed runs above.
    const stalePods = await shadowPods();
    expect(stalePods.length).toBeGreaterThan(0);
    const live = await startConnect(laptop, [...args, '-n', ns, '--disableTunDevice', '--proxyPort', '2320'], env);
    try {
      const [livePod] = (await shadowPods()).filter((o) => !stalePods.includes(o));
      const old = (await clusterSecondsFrom(livePod!)) - 600;
      expect(old).toBeGreaterThan(1_700_000_000);
      for (const stalePod of stalePods) {
        for (const kind of ['pod', 'configmap']) {
          await cluster.kubectlOk(['-n', ns, 'annotate', '--overwrite', `${kind}/${stalePod.slice(4)}`, `kt-last-heart-beat=${old}`]);
        }
      }
      const dry = await ktctl(laptop, ['clean', ...args, '-n', ns, '--dryRun'], env);
      for (const stalePod of stalePods) expect(dry.stdout).toContain(`would delete pods/${stalePod.slice(4)}`);
      expect(await ktObjects(cluster, ns)).toEqual(expect.arrayContaining(stalePods));
      const clean = await ktctl(laptop, ['clean', ...args, '-n', ns], env);
      expect(clean.code, clean.stderr).toBe(0);
      await waitFor(async () => !(await ktObjects(cluster, ns)).some((o) => stalePods.includes(o)), {
        timeoutMs: 30_000,
        what: 'the stale pods to go',
      });
      const left = await ktObjects(cluster, ns);
      expect(left.filter((o) => o.startsWith('pod/'))).toEqual([livePod]);
      for (const stalePod of stalePods) expect(left).not.toContain(`configmap/${stalePod.slice(4)}`);
    } finally {
      await live.stop(20_000);
    }
    await waitFor(async () => (await ktObjects(cluster, ns)).length === 0, {
      timeoutMs: 30_000,
      what: 'the live run to clean up after itself',
    });
  });
});
