import type { ClusterNames, ClusterTarget } from './engine.js';

interface Named {
  metadata?: { name?: string };
}

/**
 * Namespaces and Services from the cluster the typed flags (or the kubeconfig's context) point at. The
 * client loads only when a completion asks for names; each call is bounded by the caller's timeout.
 */
export function clusterNames(env: NodeJS.ProcessEnv): ClusterNames {
  const list = async (target: ClusterTarget, ref: { apiVersion: string; resource: string }, namespaced: boolean): Promise<string[]> => {
    const { KubeClient } = await import('@ktctl/kube');
    const client = KubeClient.fromOptions({
      namespace: target.namespace ?? env.KT_NAMESPACE,
      kubeconfig: target.kubeconfig ?? env.KT_KUBECONFIG,
      context: target.context ?? env.KT_CONTEXT,
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
