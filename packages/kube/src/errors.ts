import { ErrorCode, UserError } from '@ktctl/plugin-api';

/** The operation a request performs, named the way RBAC names it: `create` `pods` in `ns`. */
export interface Action {
  verb: string;
  resource: string;
  namespace?: string | undefined;
  name?: string | undefined;
}

/** An API server answer that is not 2xx, kept for callers that branch on the status (404, 409). */
export class KubeApiError extends Error {
  override name = 'KubeApiError';
  constructor(
    readonly status: number,
    readonly reason: string | undefined,
    message: string,
    readonly action: Action,
  ) {
    super(message);
  }
}

/** `create pods in namespace x` / `list pods at cluster scope`. */
export function describeAction(a: Action): string {
  const where = a.namespace ? `in namespace ${a.namespace}` : 'at cluster scope';
  return `${a.verb} ${a.resource}${a.name ? ` (${a.name})` : ''} ${where}`;
}

/** Turns an error status into the error users see: 403 → KT_FORBIDDEN, 401 → KT_CLUSTER_UNREACHABLE, else KubeApiError. */
export function apiError(status: number, body: unknown, action: Action): Error {
  const status_ = (typeof body === 'object' && body !== null ? body : {}) as { message?: string; reason?: string };
  const message = status_.message ?? (typeof body === 'string' ? body.trim() : `HTTP ${status}`);
  if (status === 403) {
    const where = action.namespace ? `in namespace ${action.namespace}` : 'cluster-wide';
    return new UserError(ErrorCode.Forbidden, `You may not ${action.verb} ${action.resource} ${where}`, {
      hint: `Ask your cluster admin for "${action.verb}" on ${action.resource} ${where} (RBAC)`,
      cause: new KubeApiError(status, status_.reason, message, action),
    });
  }
  if (status === 401) {
    return new UserError(ErrorCode.ClusterUnreachable, 'The cluster rejected your credentials (401 Unauthorized)', {
      hint: 'Refresh your kubeconfig credentials (kubectl get pods should work)',
      cause: new KubeApiError(status, status_.reason, message, action),
    });
  }
  return new KubeApiError(status, status_.reason, `Cannot ${describeAction(action)}: ${message}`, action);
}

/** A connection-level failure (refused, DNS, TLS, timeout) → KT_CLUSTER_UNREACHABLE naming the server. */
export function transportError(err: Error, server: URL, action: Action): Error {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  return new UserError(
    ErrorCode.ClusterUnreachable,
    `Cannot reach the cluster at ${server.origin} (${code || err.message}) to ${describeAction(action)}`,
    {
      hint: 'Check your network/VPN and the kubeconfig context (--context, --kubeconfig)',
      cause: err,
    },
  );
}

/** True for an API error with this HTTP status (e.g. 404 when deleting something already gone). */
export function isStatus(err: unknown, status: number): boolean {
  return err instanceof KubeApiError && err.status === status;
}
