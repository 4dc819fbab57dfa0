/**
 * The e2e harness: a handle on the local test cluster (tools/cluster), a namespace per test file, commands
 * inside the "laptop" network namespace, and bounded waits. Typical test file:
 *
 *   const env = useClusterEnv(import.meta.filename);
 *   it('...', async () => { await env.laptop.run('ktctl', [...]); });
 */
import { afterAll, beforeAll } from 'vitest';
import { Cluster } from './cluster.js';
import { Laptop } from './laptop.js';
import { TestNamespace } from './namespace.js';

export { Cluster, clusterCacheDir, type ClusterFacts, type Identity } from './cluster.js';
export { run, runOk, startBackground, type Background, type RunOptions, type RunResult } from './exec.js';
export { Laptop } from './laptop.js';
export { TestNamespace, namespaceName } from './namespace.js';
export { waitFor, type WaitOptions } from './wait.js';

/** What `useClusterEnv` gives a test file: the cluster, the laptop, and the file's own namespace. */
export interface ClusterEnv {
  readonly cluster: Cluster;
  readonly laptop: Laptop;
  /** Created in beforeAll, deleted in afterAll. */
  readonly namespace: TestNamespace;
}

/** Registers beforeAll/afterAll hooks that load the cluster and make a namespace for this test file. */
export function useClusterEnv(testFile: string): ClusterEnv {
  let ns: TestNamespace | undefined;
  const cluster = Cluster.load();
  const laptop = new Laptop(cluster);
  beforeAll(async () => {
    ns = await TestNamespace.create(cluster, testFile);
  });
  afterAll(async () => {
    await ns?.delete();
  });
  return {
    cluster,
    laptop,
    get namespace() {
      if (!ns) throw new Error('the test namespace exists only inside tests and hooks');
      return ns;
    },
  };
}
