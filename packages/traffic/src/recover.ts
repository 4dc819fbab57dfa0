import { CONTROLLED_BY_KT, KubeClient, Keys, clientOptionsFromFlags, getService, requirePermissions, type ObjectRef } from '@ktctl/kube';
import { planRecover, type RecoverAction, type SeenObject } from './recover-plan.js';
import { scaleBack } from './scale.js';
import { REDIRECT_ANNOTATIONS, exactMapPatch, type ServiceState } from './selector.js';
import { parseTarget, resolveServiceName } from './target.js';

interface Listed {
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: { selector?: Record<string, string> | { matchLabels?: Record<string, string> }; replicas?: number; template?: { metadata?: { labels?: Record<string, string> } } };
}

const KINDS = [
  { apiVersion: 'v1', resource: 'pods' },
  { apiVersion: 'apps/v1', resource: 'deployments' },
  { apiVersion: 'v1', resource: 'services' },
  { apiVersion: 'v1', resource: 'configmaps' },
] as const;

export interface RecoverResult {
  readonly service: string;
  readonly namespace: string;
  /** What was done, one line each (empty: the Service was not redirected and nothing was left). */
  readonly done: string[];
  readonly notes: string[];
  readonly failures: string[];
}

function seen(kind: (typeof KINDS)[number], namespace: string, item: Listed): SeenObject {
  const selector = kind.resource === 'services' ? (item.spec?.selector as Record<string, string> | undefined) : undefined;
  return {
    ref: { ...kind, namespace, name: item.metadata.name },
    labels: item.metadata.labels ?? {},
    annotations: item.metadata.annotations ?? {},
    ...(selector ? { selector } : {}),
    ...(kind.resource === 'deployments' ? { templateLabels: item.spec?.template?.metadata?.labels ?? {}, replicas: item.spec?.replicas ?? 1 } : {}),
  };
}

/**
 * `ktctl recover <svc>`: puts a Service back the way it was whatever a killed exchange or mesh left on
 * it, and removes that run's objects. Idempotent: a second run finds nothing to do.
 */
export async function recover(target: string, flags: Record<string, unknown>, describe: (action: RecoverAction) => string): Promise<RecoverResult> {
  const client = KubeClient.fromOptions(clientOptionsFromFlags(flags));
  const ns = client.namespace;
  const name = await resolveServiceName(client, parseTarget(target));
  const service = await getService(client, name);
  await requirePermissions(client, ['patch', 'get'].map((verb) => ({ verb, resource: 'services', namespace: ns })));
  const query = `labelSelector=${encodeURIComponent(`${Keys.controlBy}=${CONTROLLED_BY_KT}`)}`;
  const objects: SeenObject[] = [];
  for (const kind of KINDS) objects.push(...(await client.list<Listed>({ ...kind, namespace: ns }, query)).items.map((i) => seen(kind, ns, i)));
  const deployments = (await client.list<Listed>({ apiVersion: 'apps/v1', resource: 'deployments', namespace: ns })).items.map((i) => seen(KINDS[1], ns, i));
  const plan = planRecover(service as ServiceState, objects, deployments, await client.clusterUnixSeconds());
  const done: string[] = [];
  const failures: string[] = [];
  for (const action of plan.actions) {
    try {
      await apply(client, action);
      done.push(describe(action));
    } catch (error) {
      failures.push(`${describe(action).replace(/^\w+/, 'could not $&')}: ${(error as Error).message}`);
    }
  }
  return { service: name, namespace: ns, done, notes: plan.notes, failures };
}

async function apply(client: KubeClient, action: RecoverAction): Promise<void> {
  switch (action.kind) {
    case 'restore-selector': {
      const current = await client.get<ServiceState>(action.service);
      const annotations = Object.fromEntries(REDIRECT_ANNOTATIONS.map((k) => [k, null]));
      await client.mergePatch(action.service, { metadata: { annotations }, spec: { selector: exactMapPatch(current.spec.selector, action.selector) } });
      return;
    }
    case 'clear-annotations':
      await client.mergePatch(action.service, { metadata: { annotations: Object.fromEntries(action.keys.map((k) => [k, null])) } });
      return;
    case 'scale':
      await scaleBack(client, action.deployment, action.replicas);
      return;
    case 'delete':
      await client.delete(action.ref as ObjectRef, action.ref.resource === 'pods' ? { gracePeriodSeconds: 0 } : {});
  }
}
