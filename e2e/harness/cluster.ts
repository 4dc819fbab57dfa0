import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, runOk, type RunOptions, type RunResult } from './exec.js';

/** Facts about the running test cluster, as tools/cluster/up.sh wrote them to .cache/cluster/cluster.json. */
export interface ClusterFacts {
  kubernetesVersion: string;
  apiServer: string;
  nodeName: string;
  nodeIP: string;
  podCIDR: string;
  serviceCIDR: string;
  dnsIP: string;
  clusterDomain: string;
  laptopNetns: string;
  laptopIP: string;
  testNamespace: string;
  restrictedClusterRole: string;
  restrictedUser: string;
  adminKubeconfig: string;
  restrictedKubeconfig: string;
  kubectl: string;
  images: { pause: string; coredns: string; testapp: string };
  containerdSocket: string;
}

/** Which identity a kubectl call uses: cluster-admin, or the restricted developer. */
export type Identity = 'admin' | 'restricted';

/** Where the cluster's build cache is: $KT_CLUSTER_CACHE or <repo>/.cache/cluster. */
export function clusterCacheDir(): string {
  const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  return process.env.KT_CLUSTER_CACHE ?? join(repo, '.cache', 'cluster');
}

/** A handle on the test cluster: its facts and kubectl with either identity, from the host. */
export class Cluster {
  constructor(readonly facts: ClusterFacts) {}

  /** Reads the facts of the cluster that up.sh brought up; fails with a hint when it is not up. */
  static load(cacheDir = clusterCacheDir()): Cluster {
    const file = join(cacheDir, 'cluster.json');
    if (!existsSync(file)) throw new Error(`${file} missing: bring the cluster up with 'npm run cluster:up'`);
    return new Cluster(JSON.parse(readFileSync(file, 'utf8')) as ClusterFacts);
  }

  /** The kubeconfig file of an identity (valid from the host and from the laptop namespace). */
  kubeconfig(who: Identity = 'admin'): string {
    return who === 'admin' ? this.facts.adminKubeconfig : this.facts.restrictedKubeconfig;
  }

  /** The arguments that make kubectl use an identity. */
  kubectlArgs(args: readonly string[], who: Identity = 'admin'): string[] {
    return ['--kubeconfig', this.kubeconfig(who), ...args];
  }

  /** Runs kubectl on the host; never throws for a non-zero exit. */
  kubectl(args: readonly string[], opts: RunOptions & { as?: Identity } = {}): Promise<RunResult> {
    return run(this.facts.kubectl, this.kubectlArgs(args, opts.as), opts);
  }

  /** Runs kubectl on the host and returns stdout; throws when it fails. */
  kubectlOk(args: readonly string[], opts: RunOptions & { as?: Identity } = {}): Promise<string> {
    return runOk(this.facts.kubectl, this.kubectlArgs(args, opts.as), opts);
  }

  /** `kubectl get -o json` of one object or list, parsed. */
  async getJson<T = any>(args: readonly string[], opts: { as?: Identity } = {}): Promise<T> {
    return JSON.parse(await this.kubectlOk(['get', ...args, '-o', 'json'], opts)) as T;
  }

  /** The ClusterIP of a Service. */
  async serviceIP(namespace: string, name: string): Promise<string> {
    const svc = await this.getJson<{ spec: { clusterIP: string } }>(['-n', namespace, 'service', name]);
    return svc.spec.clusterIP;
  }

  /** IPs of the running pods that match a label selector. */
  async podIPs(namespace: string, selector: string): Promise<string[]> {
    const list = await this.getJson<{ items: { status: { podIP?: string; phase: string } }[] }>(['-n', namespace, 'pods', '-l', selector]);
    return list.items.filter((p) => p.status.phase === 'Running' && p.status.podIP).map((p) => p.status.podIP!);
  }
}
