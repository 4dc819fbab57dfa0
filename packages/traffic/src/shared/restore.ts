import { CONTROLLED_BY_KT, Keys, type KubeClient, type ObjectRef } from '@ktctl/kube';
import { withoutBackends } from './router-rules.js';
import { updateRules } from './router-state.js';
import { scaleBack } from './scale.js';
import { REDIRECT_ANNOTATIONS, exactMapPatch, type ServiceState } from './service-selector.js';

/** The kinds ktctl creates, in the order their leftovers are deleted (a pod goes before the ConfigMap it mounts). */
export const KT_KINDS = [
  { apiVersion: 'v1', resource: 'pods' },
  { apiVersion: 'apps/v1', resource: 'deployments' },
  { apiVersion: 'v1', resource: 'services' },
  { apiVersion: 'v1', resource: 'configmaps' },
] as const;

type Kind = Pick<ObjectRef, 'apiVersion' | 'resource'>;

/** An object as clean and recover see it: what ktctl made, or a Service/Deployment it changed. */
export interface SeenObject {
  readonly ref: ObjectRef;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** Unix seconds, cluster time (0 when unknown). */
  readonly createdAt?: number;
  /** A Service's current selector. */
  readonly selector?: Readonly<Record<string, string>>;
  /** A Deployment's pod template labels and replica count. */
  readonly templateLabels?: Readonly<Record<string, string>>;
  readonly replicas?: number;
}

/** One step of putting things back, shared by clean and recover; `why` says where the values came from. */
export type RestoreAction =
  | { readonly kind: 'restore-selector'; readonly service: ObjectRef; readonly selector: Record<string, string>; readonly why: string }
  | { readonly kind: 'clear-annotations'; readonly service: ObjectRef; readonly keys: readonly string[] }
  | { readonly kind: 'scale'; readonly deployment: ObjectRef; readonly replicas: number; readonly why: string }
  | { readonly kind: 'unlock'; readonly service: ObjectRef; readonly why: string }
  | {
      readonly kind: 'drop-routes';
      readonly router: ObjectRef;
      readonly backends: readonly string[];
      readonly users: readonly string[];
      readonly why: string;
    }
  | { readonly kind: 'delete'; readonly ref: ObjectRef; readonly why?: string; readonly immediate?: boolean };

interface Listed {
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string>; creationTimestamp?: string };
  spec?: { selector?: Record<string, string>; replicas?: number; template?: { metadata?: { labels?: Record<string, string> } } };
}

function seenObject(kind: Kind, namespace: string, item: Listed): SeenObject {
  return {
    ref: { ...kind, namespace, name: item.metadata.name },
    labels: item.metadata.labels ?? {},
    annotations: item.metadata.annotations ?? {},
    createdAt: Math.floor(Date.parse(item.metadata.creationTimestamp ?? '') / 1000) || 0,
    ...(kind.resource === 'services' && item.spec?.selector ? { selector: item.spec.selector } : {}),
    ...(kind.resource === 'deployments'
      ? { templateLabels: item.spec?.template?.metadata?.labels ?? {}, replicas: item.spec?.replicas ?? 1 }
      : {}),
  };
}

/** Lists one kind in the client's namespace (optionally only ktctl's objects). */
export async function listSeen(client: KubeClient, kind: Kind, onlyKt = false): Promise<SeenObject[]> {
  const query = onlyKt ? `labelSelector=${encodeURIComponent(`${Keys.controlBy}=${CONTROLLED_BY_KT}`)}` : undefined;
  const list = await client.list<Listed>({ ...kind, namespace: client.namespace }, query);
  return list.items.map((item) => seenObject(kind, client.namespace, item));
}

/** Everything labelled `control-by=kt` in the client's namespace. */
export async function listKtObjects(client: KubeClient): Promise<SeenObject[]> {
  const objects: SeenObject[] = [];
  for (const kind of KT_KINDS) objects.push(...(await listSeen(client, kind, true)));
  return objects;
}

/** The `kt-config` annotation (`k=v,...`) as a map; a part that is not `k=v` (a hand edit) is skipped. */
export function ktConfigOf(object: Pick<SeenObject, 'annotations'>): Record<string, string> {
  const parts = (object.annotations[Keys.config] ?? '').split(',').filter((p) => p.indexOf('=') > 0);
  return Object.fromEntries(parts.map((p) => [p.slice(0, p.indexOf('=')).trim(), p.slice(p.indexOf('=') + 1).trim()]));
}

async function apply(client: KubeClient, action: RestoreAction): Promise<void> {
  switch (action.kind) {
    case 'restore-selector': {
      const current = await client.get<ServiceState>(action.service);
      // A redirect also named its user, beat and maybe locked on the Service: all of it goes.
      const annotations = Object.fromEntries(REDIRECT_ANNOTATIONS.map((k) => [k, null]));
      await client.mergePatch(action.service, {
        metadata: { annotations },
        spec: { selector: exactMapPatch(current.spec.selector, action.selector) },
      });
      return;
    }
    case 'clear-annotations':
      await client.mergePatch(action.service, { metadata: { annotations: Object.fromEntries(action.keys.map((k) => [k, null])) } });
      return;
    case 'scale':
      await scaleBack(client, action.deployment, action.replicas);
      return;
    case 'unlock': {
      // A lock names its taker in kt-user; that goes too unless a redirect (kt-selector) still needs it.
      const service = await client.get<ServiceState>(action.service);
      const redirected = service.metadata.annotations?.[Keys.selector] !== undefined;
      await client.mergePatch(action.service, {
        metadata: { annotations: { [Keys.lock]: null, ...(redirected ? {} : { [Keys.user]: null }) } },
      });
      return;
    }
    case 'drop-routes':
      // Version-checked, so a live participant joining meanwhile keeps its route; the router reads the annotation back.
      await updateRules(client, action.router, (rules) => withoutBackends(rules, action.backends));
      return;
    case 'delete':
      await client.delete(action.ref, action.immediate ? { gracePeriodSeconds: 0 } : {});
  }
}

/** Carries out a plan in order; every action is tried; each outcome is reported; returns how many failed. */
export async function applyRestore(
  client: KubeClient,
  actions: readonly RestoreAction[],
  report: { done?: (action: RestoreAction) => void; failed: (action: RestoreAction, error: Error) => void },
): Promise<number> {
  let failures = 0;
  for (const action of actions) {
    try {
      await apply(client, action);
      report.done?.(action);
    } catch (error) {
      failures++;
      report.failed(action, error as Error);
    }
  }
  return failures;
}
