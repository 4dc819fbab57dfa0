import { ErrorCode, UserError } from '@ktctl/plugin-api';
import { CONTROLLED_BY_KT, Keys, Role, type KubeClient, type ObjectRef } from '@ktctl/kube';
import type { PortMapping } from '../shared/reverse-tunnel.js';

/** What the preview Service is made of. */
export interface PreviewServiceInput {
  name: string;
  namespace: string;
  /** The shadow's `kt-target`: the Service selects exactly that pod. */
  target: string;
  ports: readonly PortMapping[];
  external: boolean;
  portNamePrefix: string;
  user: string;
  heartbeat: number;
  extraLabels?: Record<string, string>;
  extraAnnotations?: Record<string, string>;
}

type Obj = Record<string, any>;

export function serviceRef(namespace: string, name: string): ObjectRef {
  return { apiVersion: 'v1', resource: 'services', namespace, name };
}

/**
 * The Service `<name>`: ClusterIP (LoadBalancer with --external), each port `remote` leading to the
 * same port of the shadow pod, where the reverse tunnel listens. Labelled like everything ktctl makes,
 * with a heartbeat, so `clean` removes it once its owner is gone.
 */
export function previewService(input: PreviewServiceInput): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: input.name,
      namespace: input.namespace,
      labels: { ...input.extraLabels, [Keys.controlBy]: CONTROLLED_BY_KT, [Keys.role]: Role.preview },
      annotations: {
        ...input.extraAnnotations,
        [Keys.user]: input.user,
        [Keys.lastHeartBeat]: String(input.heartbeat),
        [Keys.config]: `service=${input.name}`,
      },
    },
    spec: {
      type: input.external ? 'LoadBalancer' : 'ClusterIP',
      selector: { [Keys.target]: input.target },
      ports: input.ports.map((p) => ({
        name: `${input.portNamePrefix}${p.remote}`,
        port: p.remote,
        targetPort: p.remote,
        protocol: 'TCP',
      })),
    },
  };
}

interface ServiceMeta {
  metadata: { labels?: Record<string, string>; annotations?: Record<string, string> };
}

/** The one-line refusal for a Service that exists: previewed by someone (named), or not ktctl's at all. */
export function serviceExistsError(name: string, namespace: string, existing: ServiceMeta): UserError {
  const labels = existing.metadata.labels ?? {};
  if (labels[Keys.controlBy] === CONTROLLED_BY_KT) {
    const user = existing.metadata.annotations?.[Keys.user] ?? 'another ktctl user';
    const what = labels[Keys.role] === Role.preview ? 'previewed' : `used (${labels[Keys.role] ?? 'ktctl'})`;
    return new UserError(ErrorCode.AlreadyRedirected, `Service ${name} in namespace ${namespace} is already ${what} by ${user}`, {
      hint: 'Pick another name; if that run is dead, "ktctl clean" removes it once its heartbeat is 5 minutes old',
    });
  }
  return new UserError(ErrorCode.AlreadyExists, `Service ${name} already exists in namespace ${namespace} and was not made by ktctl`, {
    hint: 'Pick another name for the preview: ktctl never overwrites a Service it does not own',
  });
}

/** Refuses before anything is created when the name is taken. */
export async function requireFreeName(client: KubeClient, name: string): Promise<void> {
  const existing = await client.find<ServiceMeta>(serviceRef(client.namespace, name));
  if (existing) throw serviceExistsError(name, client.namespace, existing);
}

interface EndpointSliceList {
  items: { endpoints?: { conditions?: { ready?: boolean } }[] }[];
}

/**
 * Waits (bounded) until the Service has a ready endpoint, so "ready" is said only once a pod calling it
 * gets through rather than a "no route to host" from a Service without endpoints. False on timeout.
 */
export async function waitForEndpoints(client: KubeClient, name: string, timeoutMs = 30_000, signal?: AbortSignal): Promise<boolean> {
  const ref = { apiVersion: 'discovery.k8s.io/v1', resource: 'endpointslices', namespace: client.namespace };
  const query = `labelSelector=${encodeURIComponent(`kubernetes.io/service-name=${name}`)}`;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !signal?.aborted) {
    let slices: EndpointSliceList;
    try {
      slices = await client.list<EndpointSliceList['items'][number]>(ref, query);
    } catch {
      return false; // not allowed to look: say nothing more than the warning
    }
    if (slices.items.some((s) => s.endpoints?.some((e) => e.conditions?.ready !== false))) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}
