import { ErrorCode, UserError } from '@ktctl/plugin-api';
import type { KubeClient } from './client.js';
import { assessPod, type PodView } from './shadow/wait.js';

/** The Service fields exchange, mesh, preview and forward read. */
export interface ServiceView {
  metadata: { name: string; namespace?: string; annotations?: Record<string, string>; resourceVersion?: string };
  spec: { selector?: Record<string, string>; clusterIP?: string; type?: string; ports?: ServicePortView[] };
}
export interface ServicePortView {
  name?: string;
  port: number;
  protocol?: string;
  targetPort?: number | string;
}
/** A pod with its containers' named ports. */
export type PodWithPorts = PodView & {
  metadata: { name: string; deletionTimestamp?: string; labels?: Record<string, string> };
  spec?: { containers?: Array<{ image: string; ports?: Array<{ name?: string; containerPort: number; protocol?: string }> }> };
};

/** The Service, or KT_NOT_FOUND naming it and the namespace. */
export async function getService(client: KubeClient, name: string, namespace = client.namespace): Promise<ServiceView> {
  const svc = await client.find<ServiceView>({ apiVersion: 'v1', resource: 'services', namespace, name });
  if (!svc)
    throw new UserError(ErrorCode.NotFound, `Service ${name} not found in namespace ${namespace}`, {
      hint: `kubectl -n ${namespace} get services lists them`,
    });
  return svc;
}

/** `{app: 'web', tier: 'x'}` → `app=web,tier=x` for a labelSelector query. */
export function selectorQuery(selector: Readonly<Record<string, string>>): string {
  return `labelSelector=${encodeURIComponent(
    Object.entries(selector)
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
  )}`;
}

/** Ready, not terminating pods the Service selects (none for a Service without selector). */
export async function readyPodsOfService(client: KubeClient, svc: ServiceView): Promise<PodWithPorts[]> {
  const selector = svc.spec.selector;
  if (!selector || Object.keys(selector).length === 0) return [];
  const namespace = svc.metadata.namespace ?? client.namespace;
  const list = await client.list<PodWithPorts>({ apiVersion: 'v1', resource: 'pods', namespace }, selectorQuery(selector));
  return list.items.filter((p) => !p.metadata.deletionTimestamp && assessPod(p).ready);
}

/**
 * The container port a Service port leads to: its numeric targetPort, or a named targetPort looked up in
 * the pod (users trip on this: `--expose` takes target ports, not Service ports).
 */
export function resolveTargetPort(port: ServicePortView, pod?: PodWithPorts): number {
  const target = port.targetPort ?? port.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  for (const c of pod?.spec?.containers ?? []) {
    const found = c.ports?.find((p) => p.name === target && (p.protocol ?? 'TCP') === (port.protocol ?? 'TCP'));
    if (found) return found.containerPort;
  }
  throw new UserError(
    ErrorCode.TargetPortNotFound,
    `Target port "${target}" of Service port ${port.port} is not a named port of ${pod ? `pod ${pod.metadata.name}` : 'any pod'}`,
    {
      hint: 'Ports given to ktctl are the Service target ports (the ports the pods listen on)',
    },
  );
}

/**
 * A pod resolver for PortForwarder that follows the Service: a ready pod now, and a new one after the
 * old one goes away (`forward` follows restarts this way).
 */
export function servicePodResolver(client: KubeClient, service: string, namespace = client.namespace): () => Promise<string> {
  return async () => {
    const svc = await getService(client, service, namespace);
    const pods = await readyPodsOfService(client, svc);
    const pod = pods[0];
    if (!pod)
      throw new UserError(ErrorCode.PodNotReady, `Service ${service} has no ready pod in namespace ${namespace}`, {
        hint: `kubectl -n ${namespace} get pods -l ${Object.entries(svc.spec.selector ?? {})
          .map(([k, v]) => `${k}=${v}`)
          .join(',')}`,
      });
    return pod.metadata.name;
  };
}
