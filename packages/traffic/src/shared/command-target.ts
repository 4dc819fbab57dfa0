import { ErrorCode, UsageError, UserError } from '@ktctl/plugin-api';
import { CONTROLLED_BY_KT, Keys, type KubeClient } from '@ktctl/kube';
import { savedSelector, selects, type ServiceState } from './service-selector.js';

/** What the user named: a Service directly, or a Deployment/pod whose Service is to be found. */
export type TargetRef = { kind: 'service' | 'deployment' | 'pod'; name: string };

const KINDS: Record<string, TargetRef['kind']> = {
  svc: 'service',
  service: 'service',
  services: 'service',
  deploy: 'deployment',
  deployment: 'deployment',
  deployments: 'deployment',
  po: 'pod',
  pod: 'pod',
  pods: 'pod',
};

/** `web`, `svc/web`, `service/web`, `deployment/web`, `pod/web-1` → what it names. */
export function parseTarget(text: string | undefined): TargetRef {
  const value = (text ?? '').trim();
  if (!value) throw new UsageError('Name the Service to redirect: ktctl <command> <svc | svc/x | deployment/x | pod/x>');
  const slash = value.indexOf('/');
  if (slash < 0) return { kind: 'service', name: value };
  const kind = KINDS[value.slice(0, slash).toLowerCase()];
  const name = value.slice(slash + 1);
  if (!kind || !name || name.includes('/'))
    throw new UsageError(`Cannot use "${value}" as a target: expected svc, svc/<name>, service/<name>, deployment/<name> or pod/<name>`);
  return { kind, name };
}

interface Labelled {
  metadata: { name: string; labels?: Record<string, string> };
  spec?: { template?: { metadata?: { labels?: Record<string, string> } } };
}

/** The one Service that selects the pods of a Deployment or the given pod (a Service named directly is itself). */
export async function resolveServiceName(client: KubeClient, target: TargetRef): Promise<string> {
  if (target.kind === 'service') return target.name;
  const ns = client.namespace;
  const ref =
    target.kind === 'pod'
      ? { apiVersion: 'v1', resource: 'pods', namespace: ns, name: target.name }
      : { apiVersion: 'apps/v1', resource: 'deployments', namespace: ns, name: target.name };
  const object = await client.find<Labelled>(ref);
  if (!object)
    throw new UserError(ErrorCode.NotFound, `${target.kind === 'pod' ? 'Pod' : 'Deployment'} ${target.name} not found in namespace ${ns}`, {
      hint: `kubectl -n ${ns} get ${target.kind}s lists them`,
    });
  const labels = target.kind === 'pod' ? object.metadata.labels : object.spec?.template?.metadata?.labels;
  // ktctl's own Services (a mesh's stuntman copies the selector) are not candidates.
  const services = (
    await client.list<ServiceState & { metadata: { labels?: Record<string, string> } }>({
      apiVersion: 'v1',
      resource: 'services',
      namespace: ns,
    })
  ).items.filter((s) => s.metadata.labels?.[Keys.controlBy] !== CONTROLLED_BY_KT);
  // A Service someone already redirected selects by its saved selector: finding it lets the conflict be named.
  const matching = services.filter((s) => selects(savedSelector(s) ?? s.spec.selector, labels)).map((s) => s.metadata.name);
  if (matching.length === 1) return matching[0]!;
  if (!matching.length)
    throw new UserError(ErrorCode.NotFound, `No Service in namespace ${ns} selects ${target.kind} ${target.name}`, {
      hint: 'Name the Service itself, or use ktctl preview to make one',
    });
  throw new UserError(ErrorCode.InvalidFlag, `Several Services select ${target.kind} ${target.name}: ${matching.join(', ')}`, {
    hint: 'Name the Service to redirect, e.g. svc/' + matching[0],
  });
}
