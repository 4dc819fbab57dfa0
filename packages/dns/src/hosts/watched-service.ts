/** One port of a Service, as the watcher reports it. */
export interface WatchedServicePort {
  name?: string;
  port: number;
  protocol?: string;
}

/** What hosts mode needs to know of a Service; the caller maps Kubernetes objects to this. */
export interface WatchedService {
  name: string;
  namespace: string;
  /** `ClusterIP`, `NodePort`, `LoadBalancer` or `ExternalName`; ExternalName Services get no entry. */
  type?: string;
  /** The ClusterIP; absent, empty or `None` when there is none. */
  clusterIP?: string;
  /** True for `clusterIP: None`: names then map to the pod IPs in `endpoints`. */
  headless: boolean;
  ports: readonly WatchedServicePort[];
  /** Ready pod IPs behind the Service (from its EndpointSlices), when the watcher follows them. */
  endpoints?: readonly string[];
}

/**
 * A change seen by the watcher: `reset` gives the whole list of a namespace (the first listing, or a relist
 * after a watch expired); `upsert` and `delete` one Service.
 */
export type ServiceEvent =
  | { type: 'reset'; namespace: string; services: readonly WatchedService[] }
  | { type: 'upsert'; service: WatchedService }
  | { type: 'delete'; namespace: string; name: string };

/** Stops a watch. */
export type StopWatching = () => void | Promise<void>;

/**
 * Watches the Services of the given namespaces (in ktctl: Kubernetes list+watch, re-established when it
 * drops). Resolves once the first listing of every namespace has been passed to `onChange` as `reset` events.
 */
export type WatchServices = (namespaces: readonly string[], onChange: (event: ServiceEvent) => void) => Promise<StopWatching>;

/** One hosts-file line: an address and its names (the shape of netplatform's HostsEntry). */
export interface HostsEntry {
  readonly ip: string;
  readonly names: readonly string[];
}
