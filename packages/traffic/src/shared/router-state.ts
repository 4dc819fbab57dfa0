// The router pod as mesh's join/leave (and clean) read and write it: its rules are changed only by a patch
// conditional on the resourceVersion read, so two laptops (or clean) editing at once never lose a route.
import { ErrorCode, UserError } from '@ktctl/plugin-api';
import { CONTROLLED_BY_KT, Keys, Role, isStatus, routerName, type KubeClient, type ObjectRef } from '@ktctl/kube';
import type { RouterRuleSet } from '@ktctl/agent-contract';
import { rulesAnnotations, storedRules } from './router-rules.js';

/** The router pod fields mesh reads. */
export interface RouterPodView {
  metadata: {
    name: string;
    resourceVersion?: string;
    deletionTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  status?: { phase?: string; podIP?: string; conditions?: Array<{ type: string; status: string }> };
}

const CONFLICT_RETRIES = 8;

export function routerRef(client: KubeClient, service: string): ObjectRef {
  return { apiVersion: 'v1', resource: 'pods', namespace: client.namespace, name: routerName(service) };
}

/** The router pod, or undefined when there is none or it is on its way out. */
export async function findRouter(client: KubeClient, service: string): Promise<RouterPodView | undefined> {
  const pod = await client.find<RouterPodView>(routerRef(client, service));
  return pod && !pod.metadata.deletionTimestamp ? pod : undefined;
}

/**
 * Applies `edit` to the router's stored rules under optimistic concurrency: read, edit, patch with the
 * version read; on a conflict read again. `edit` returns undefined to change nothing. Returns the rules
 * now stored, or undefined when the router is gone.
 */
export async function updateRules(
  client: KubeClient,
  ref: ObjectRef,
  edit: (rules: RouterRuleSet, pod: RouterPodView) => RouterRuleSet | undefined,
): Promise<RouterRuleSet | undefined> {
  for (let attempt = 0; attempt < CONFLICT_RETRIES; attempt++) {
    const pod = await client.find<RouterPodView>(ref);
    if (!pod || pod.metadata.deletionTimestamp) return undefined;
    const current = storedRules(pod.metadata.annotations);
    if (!current) {
      // KtConnect's router keeps its rules elsewhere; a hand edit leaves nothing safe to build on.
      throw new UserError(
        ErrorCode.AlreadyRedirected,
        `Router ${ref.name} carries no ktctl rules (a KtConnect router, or its kt-router-rules annotation was edited)`,
        { hint: `"ktctl recover ${ref.name!.replace(/-kt-router$/, '')}" removes it and puts the Service back` },
      );
    }
    const next = edit(current, pod);
    if (!next) return current;
    try {
      await client.mergePatch(ref, { metadata: { resourceVersion: pod.metadata.resourceVersion, annotations: rulesAnnotations(next) } });
      return next;
    } catch (error) {
      if (isStatus(error, 404)) return undefined;
      if (!isStatus(error, 409)) throw error;
    }
  }
  throw new Error(`router ${ref.name}: its rules kept changing under us (${CONFLICT_RETRIES} conflicts)`);
}

/** The names of the mesh Services (`<svc>-kt-mesh-*`) of this Service that exist now. */
export async function meshServiceNames(client: KubeClient, service: string): Promise<Set<string>> {
  const query = `labelSelector=${encodeURIComponent(`${Keys.controlBy}=${CONTROLLED_BY_KT},${Keys.role}=${Role.mesh}`)}`;
  const list = await client.list<{ metadata: { name: string } }>(
    { apiVersion: 'v1', resource: 'services', namespace: client.namespace },
    query,
  );
  return new Set(list.items.map((s) => s.metadata.name).filter((n) => n.startsWith(`${service}-kt-mesh-`)));
}
