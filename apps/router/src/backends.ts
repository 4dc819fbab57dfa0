/** Where a backend Service's port is reached; in the cluster, its DNS name in the router's namespace. */
export type ResolveBackend = (backend: string, port: number) => { host: string; port: number };

/** Cluster DNS: `<service>:<port>`, resolved through the pod's search list. */
export const clusterDns: ResolveBackend = (backend, port) => ({ host: backend, port });

/** Fixed addresses for the backends in `fixed`, cluster DNS for the rest. */
export function resolverWith(fixed: ReadonlyMap<string, { host: string; port: number }>): ResolveBackend {
  return fixed.size ? (backend, port) => fixed.get(backend) ?? clusterDns(backend, port) : clusterDns;
}
