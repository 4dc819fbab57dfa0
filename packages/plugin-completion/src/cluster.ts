import type { ClusterNames, ClusterTarget } from './engine.js';

interface Named {
  metadata?: { name?: string };
}

/**
 * Namespaces and Services from the cluster the typed flags point at, else KT_* variables, else the
 * `global` section of ~/.kt/config (`defaults`), else the kubeconfig's context. The
 * client loads only when a completion asks for names; each call is bounded by the caller's timeout.
 */
export function clusterNames(env: NodeJS.ProcessEnv, defaults: ClusterTarget = {}): ClusterNames {
  const list = async (target: ClusterTarget, ref: { apiVersion: string; resource: string }, namespaced: boolean): Promise<string[]> => {
    const { KubeClient } = await import('@ktctl/kube');
    const client = KubeClient.fromOptions({
      namespace: target.namespace ?? env.KT_NAMESPACE ?? defaults.namespace,
      kubeconfig: target.kubeconfig ?? env.KT_KUBECONFIG ?? defaults.kubeconfig,
      context: target.context ?? env.KT_CONTEXT ?? defaults.context,
      env,
    });
    try {
      const answer = await client.list<Named>({ ...ref, ...(namespaced ? { namespace: client.namespace } : {}) });
      return answer.items.map((i) => i.metadata?.name ?? '').filter(Boolean);
    } finally {
      client.close();
    }
  };
  return {
    namespaces: (target) => list(target, { apiVersion: 'v1', resource: 'namespaces' }, false),
    services: (target) => list(target, { apiVersion: 'v1', resource: 'services' }, true),
  };
}
