import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import type { Cluster } from './cluster.js';
import { waitFor } from './wait.js';

/** Kubernetes name for a test file's namespace: `kte2e-<file>-<random>`, at most 63 characters. */
export function namespaceName(testFile: string): string {
  const stem = basename(testFile)
    .replace(/\.test\.[cm]?[jt]s$/, '')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-');
  return `kte2e-${stem.slice(0, 40).replace(/^-+|-+$/g, '')}-${randomBytes(3).toString('hex')}`;
}

/** A namespace made for one test file, labelled so leftovers can be found and removed. */
export class TestNamespace {
  private constructor(
    readonly cluster: Cluster,
    readonly name: string,
  ) {}

  /** Creates the namespace and waits for its default service account (pods need it). */
  static async create(cluster: Cluster, testFile: string): Promise<TestNamespace> {
    const name = namespaceName(testFile);
    const manifest = JSON.stringify({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name, labels: { 'ktctl.e2e/test-namespace': 'true' } },
    });
    await cluster.kubectlOk(['create', '-f', '-'], { input: manifest });
    await waitFor(async () => (await cluster.kubectl(['-n', name, 'get', 'serviceaccount', 'default'])).code === 0, {
      timeoutMs: 30_000,
      what: `service account default in ${name}`,
    });
    return new TestNamespace(cluster, name);
  }

  /** Lets the restricted identity act in this namespace as it does in kt-e2e. */
  async grantRestricted(): Promise<void> {
    const { restrictedClusterRole: role, restrictedUser: user } = this.cluster.facts;
    await this.cluster.kubectlOk(['-n', this.name, 'create', 'rolebinding', role, `--clusterrole=${role}`, `--user=${user}`]);
  }

  /** Deletes the namespace without waiting for its objects to go. */
  async delete(): Promise<void> {
    await this.cluster.kubectl(['delete', 'namespace', this.name, '--wait=false', '--ignore-not-found']);
  }
}
