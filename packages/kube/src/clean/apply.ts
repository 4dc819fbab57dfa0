import type { KubeClient, ObjectRef } from '../client.js';
import { CONTROLLED_BY_KT, Keys } from '../names.js';
import { planClean, type CleanAction, type KtObject } from './plan.js';

const KINDS: readonly Pick<ObjectRef, 'apiVersion' | 'resource'>[] = [
  { apiVersion: 'v1', resource: 'pods' },
  { apiVersion: 'apps/v1', resource: 'deployments' },
  { apiVersion: 'v1', resource: 'services' },
  { apiVersion: 'v1', resource: 'configmaps' },
];

interface Meta {
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string>; creationTimestamp?: string };
  spec?: { selector?: Record<string, string> };
}

function view(kind: Pick<ObjectRef, 'apiVersion' | 'resource'>, namespace: string, item: Meta): KtObject {
  return {
    ref: { ...kind, namespace, name: item.metadata.name },
    labels: item.metadata.labels ?? {},
    annotations: item.metadata.annotations ?? {},
    createdAt: Math.floor(Date.parse(item.metadata.creationTimestamp ?? '') / 1000) || 0,
    ...(kind.resource === 'services' && item.spec?.selector ? { selector: item.spec.selector } : {}),
  };
}

/** Reads what clean decides on, in the client's namespace, and plans it (nothing is changed). */
export async function planClusterClean(client: KubeClient, thresholdSeconds: number): Promise<CleanAction[]> {
  const namespace = client.namespace;
  const now = await client.clusterUnixSeconds();
  const owned: KtObject[] = [];
  for (const kind of KINDS) {
    const list = await client.list<Meta>({ ...kind, namespace }, `labelSelector=${encodeURIComponent(`control-by=${CONTROLLED_BY_KT}`)}`);
    owned.push(...list.items.map((item) => view(kind, namespace, item)));
  }
  const scaled = (await client.list<Meta>({ apiVersion: 'apps/v1', resource: 'deployments', namespace })).items
    .map((item) => view({ apiVersion: 'apps/v1', resource: 'deployments' }, namespace, item))
    .filter((d) => d.labels[Keys.controlBy] !== CONTROLLED_BY_KT && /(^|,)replicas=/.test(d.annotations[Keys.config] ?? ''));
  const services = (await client.list<Meta>({ apiVersion: 'v1', resource: 'services', namespace })).items
    .map((item) => view({ apiVersion: 'v1', resource: 'services' }, namespace, item))
    .filter((s) => s.annotations[Keys.selector] !== undefined || s.annotations[Keys.lock] !== undefined);
  return planClean(owned, services, now, thresholdSeconds, scaled);
}

/** A merge patch that makes a selector exactly `wanted` (keys not in it are removed). */
function selectorPatch(current: Record<string, string> | undefined, wanted: Record<string, string>): Record<string, string | null> {
  const patch: Record<string, string | null> = { ...wanted };
  for (const key of Object.keys(current ?? {})) if (!(key in wanted)) patch[key] = null;
  return patch;
}

async function apply(client: KubeClient, action: CleanAction): Promise<void> {
  switch (action.kind) {
    case 'restore-selector': {
      const service = await client.get<Meta>(action.service);
      const spec = { selector: selectorPatch(service.spec?.selector, action.selector) };
      // A redirect also named its user and beat on the Service: all of it goes.
      const annotations = { [Keys.selector]: null, [Keys.user]: null, [Keys.lastHeartBeat]: null, [Keys.lock]: null };
      await client.mergePatch(action.service, { metadata: { annotations }, spec });
      return;
    }
    case 'scale':
      // Scale-mode exchange's own records on the Deployment go with it (a no-op for ones it did not write).
      await client.mergePatch(action.deployment, { metadata: { annotations: { [Keys.config]: null, [Keys.user]: null, [Keys.lastHeartBeat]: null } }, spec: { replicas: action.replicas } });
      return;
    case 'unlock': {
      // A lock names its taker in kt-user; that goes too unless a redirect (kt-selector) still needs it.
      const service = await client.get<{ metadata: { annotations?: Record<string, string> } }>(action.service);
      const redirected = service.metadata.annotations?.[Keys.selector] !== undefined;
      await client.mergePatch(action.service, { metadata: { annotations: { [Keys.lock]: null, ...(redirected ? {} : { [Keys.user]: null }) } } });
      return;
    }
    case 'delete':
      await client.delete(action.ref);
  }
}

/** Carries out a plan in order; every action is tried; returns the failures, one line each. */
export async function applyClusterClean(client: KubeClient, actions: readonly CleanAction[], done: (action: CleanAction) => void = () => undefined): Promise<string[]> {
  const failures: string[] = [];
  for (const action of actions) {
    try {
      await apply(client, action);
      done(action);
    } catch (error) {
      failures.push(`${action.kind} ${JSON.stringify('ref' in action ? action.ref.name : 'service' in action ? action.service.name : action.deployment.name)}: ${(error as Error).message}`);
    }
  }
  return failures;
}
