import { ErrorCode, UserError } from '@ktctl/plugin-api';
import type { KubeClient } from './client.js';
import type { Action } from './errors.js';

interface AccessReview {
  status?: { allowed?: boolean };
}

/** Asks the API server whether the current user may do one thing (SelfSubjectAccessReview). */
export async function canI(client: KubeClient, action: Action): Promise<boolean> {
  const [resource, subresource] = action.resource.split('/');
  const group = action.resource.startsWith('deployments') ? 'apps' : '';
  const review = await client.create<AccessReview>(
    { apiVersion: 'authorization.k8s.io/v1', resource: 'selfsubjectaccessreviews' },
    {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      spec: { resourceAttributes: { namespace: action.namespace, verb: action.verb, group, resource, subresource } },
    },
  );
  return review.status?.allowed === true;
}

/**
 * Checks every permission a step needs before it changes anything, so a locked-down user hears all that
 * is missing in one line instead of one at a time. If the review API itself is unavailable, says nothing
 * (the real requests still fail with KT_FORBIDDEN).
 */
export async function requirePermissions(client: KubeClient, actions: readonly Action[]): Promise<void> {
  let answers: boolean[];
  try {
    answers = await Promise.all(actions.map((a) => canI(client, a)));
  } catch {
    return;
  }
  const missing = actions.filter((_, i) => !answers[i]);
  if (missing.length === 0) return;
  const namespace = missing[0]!.namespace;
  // A command that makes two objects of a kind (mesh: router and shadow pods) asks for the same verb twice.
  const what = [...new Set(missing.map((a) => `${a.verb} ${a.resource}`))].join(', ');
  const where = namespace ? `in namespace ${namespace}` : 'cluster-wide';
  throw new UserError(ErrorCode.Forbidden, `You may not ${what} ${where}`, {
    hint: `Ask your cluster admin for these permissions ${where} (RBAC): ${what}`,
  });
}

/** What a shadow needs: its ConfigMap and pod (or Deployment) created, patched (heartbeat) and deleted, and port-forward. */
export function shadowPermissions(namespace: string, useDeployment: boolean): Action[] {
  const workload = useDeployment ? 'deployments' : 'pods';
  const verbs = ['create', 'patch', 'delete'];
  return [
    ...verbs.map((verb) => ({ verb, resource: 'configmaps', namespace })),
    ...verbs.map((verb) => ({ verb, resource: workload, namespace })),
    { verb: 'create', resource: 'pods/portforward', namespace },
  ];
}
