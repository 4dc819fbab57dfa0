import { watchObjects, type KubeClient } from '@ktctl/kube';

/** A pod port a connection can be port-forwarded to. */
export interface DirectTarget {
  readonly namespace: string;
  readonly pod: string;
  readonly port: number;
}

interface PodObject {
  metadata: { name: string; namespace: string; deletionTimestamp?: string };
  status?: { podIP?: string; podIPs?: { ip: string }[]; phase?: string; conditions?: { type: string; status: string }[] };
}

interface ServiceObject {
  metadata: { name: string; namespace: string };
  spec?: { clusterIP?: string; clusterIPs?: string[]; ports?: { name?: string; port: number; protocol?: string }[] };
}

interface SliceObject {
  metadata: { name: string; namespace: string; labels?: Record<string, string> };
  endpoints?: { conditions?: { ready?: boolean }; targetRef?: { kind?: string; name?: string } }[] | null;
  ports?: { name?: string; port?: number; protocol?: string }[] | null;
}

const ready = (pod: PodObject): boolean =>
  !pod.metadata.deletionTimestamp &&
  pod.status?.phase === 'Running' &&
  !!pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
const tcp = (protocol: string | undefined): boolean => (protocol ?? 'TCP') === 'TCP';

/**
 * What the direct path knows of the namespace connect runs in, kept current by watches: pod IP → pod,
 * and ClusterIP:port → the ready pods behind it with their target port (from the EndpointSlices, the
 * way kube-proxy learns them). A watch that is forbidden or failing leaves its part empty, so those
 * connections take the shadow tunnel.
 */
export class EndpointIndex {
  private readonly pods = new Map<string, string>();
  private readonly services = new Map<string, Map<number, string>>();
  private readonly serviceByIp = new Map<string, string>();
  private readonly slices = new Map<string, { service: string; pods: string[]; ports: Map<string, number> }>();

  /** Told when a pod is gone for good (deleted): its direct streams would otherwise hang, see DirectDialer.cut. */
  onPodGone: (pod: string) => void = () => undefined;

  constructor(readonly namespace: string) {}

  /** Starts the watches; they run until `signal` aborts. */
  watch(client: KubeClient, signal: AbortSignal, onInterrupt: (what: string, error: unknown) => void): void {
    const ns = this.namespace;
    const common = (what: string) => ({ signal, onInterrupt: (error: unknown) => onInterrupt(what, error) });
    void watchObjects<PodObject>(
      client,
      { apiVersion: 'v1', resource: 'pods', namespace: ns },
      { ...common('pods'), onEvent: (e) => this.onPod(e.type, e.object) },
    );
    void watchObjects<ServiceObject>(
      client,
      { apiVersion: 'v1', resource: 'services', namespace: ns },
      { ...common('services'), onEvent: (e) => this.onService(e.type, e.object) },
    );
    void watchObjects<SliceObject>(
      client,
      { apiVersion: 'discovery.k8s.io/v1', resource: 'endpointslices', namespace: ns },
      { ...common('endpointslices'), onEvent: (e) => this.onSlice(e.type, e.object) },
    );
  }

  /** Where a connection to ip:port can go directly, or undefined (unknown address, no ready endpoint). */
  resolve(ip: string, port: number): DirectTarget | undefined {
    const pod = this.pods.get(ip);
    if (pod) return { namespace: this.namespace, pod, port };
    const service = this.serviceByIp.get(ip);
    const portName = service === undefined ? undefined : this.services.get(service)?.get(port);
    if (portName === undefined) return undefined;
    const candidates: DirectTarget[] = [];
    for (const slice of this.slices.values()) {
      const target = slice.service === service ? slice.ports.get(portName) : undefined;
      if (target !== undefined) for (const name of slice.pods) candidates.push({ namespace: this.namespace, pod: name, port: target });
    }
    // One ready endpoint at random, as kube-proxy picks one per connection (no session affinity here).
    return candidates[Math.floor(Math.random() * candidates.length)];
  }

  onPod(type: string, pod: PodObject): void {
    const ips = pod.status?.podIPs?.map((p) => p.ip) ?? (pod.status?.podIP ? [pod.status.podIP] : []);
    for (const [ip, name] of [...this.pods]) if (name === pod.metadata.name) this.pods.delete(ip);
    if (type !== 'DELETED' && ready(pod)) for (const ip of ips) this.pods.set(ip, pod.metadata.name);
    if (type === 'DELETED') this.onPodGone(pod.metadata.name);
  }

  onService(type: string, service: ServiceObject): void {
    const name = service.metadata.name;
    for (const [ip, owner] of [...this.serviceByIp]) if (owner === name) this.serviceByIp.delete(ip);
    this.services.delete(name);
    if (type === 'DELETED') return;
    const ips = service.spec?.clusterIPs ?? (service.spec?.clusterIP ? [service.spec.clusterIP] : []);
    for (const ip of ips) if (ip !== 'None') this.serviceByIp.set(ip, name);
    this.services.set(name, new Map((service.spec?.ports ?? []).filter((p) => tcp(p.protocol)).map((p) => [p.port, p.name ?? ''])));
  }

  onSlice(type: string, slice: SliceObject): void {
    const service = slice.metadata.labels?.['kubernetes.io/service-name'];
    this.slices.delete(slice.metadata.name);
    if (type === 'DELETED' || !service) return;
    // An endpoint without a ready condition counts as ready (the EndpointSlice API's own rule).
    const pods = (slice.endpoints ?? [])
      .filter((e) => e.conditions?.ready !== false && e.targetRef?.kind === 'Pod' && e.targetRef.name)
      .map((e) => e.targetRef!.name!);
    const ports = new Map((slice.ports ?? []).filter((p) => tcp(p.protocol) && p.port !== undefined).map((p) => [p.name ?? '', p.port!]));
    this.slices.set(slice.metadata.name, { service, pods, ports });
  }
}
