import { getService, requirePermissions, type KubeClient } from '@ktctl/kube';
import { parseTarget, resolveServiceName } from '../shared/command-target.js';
import { applyRestore, listKtObjects, listSeen } from '../shared/restore.js';
import type { ServiceState } from '../shared/service-selector.js';
import { planRecover, type RecoverAction } from './recover-plan.js';

export interface RecoverResult {
  readonly service: string;
  readonly namespace: string;
  /** What was done, one line each (empty: the Service was not redirected and nothing was left). */
  readonly done: string[];
  readonly notes: string[];
  readonly failures: string[];
}

/**
 * `ktctl recover <svc>`: puts a Service back the way it was whatever a killed exchange or mesh left on
 * it, and removes that run's objects. Idempotent: a second run finds nothing to do.
 */
export async function recover(client: KubeClient, target: string, describe: (action: RecoverAction) => string): Promise<RecoverResult> {
  const ns = client.namespace;
  const name = await resolveServiceName(client, parseTarget(target));
  const service = await getService(client, name);
  await requirePermissions(
    client,
    ['patch', 'get'].map((verb) => ({ verb, resource: 'services', namespace: ns })),
  );
  const objects = await listKtObjects(client);
  const deployments = await listSeen(client, { apiVersion: 'apps/v1', resource: 'deployments' });
  const plan = planRecover(service as ServiceState, objects, deployments, await client.clusterUnixSeconds());
  const done: string[] = [];
  const failures: string[] = [];
  await applyRestore(client, plan.actions, {
    done: (action) => done.push(describe(action as RecoverAction)),
    failed: (action, error) => failures.push(`${describe(action as RecoverAction).replace(/^\w+/, 'could not $&')}: ${error.message}`),
  });
  return { service: name, namespace: ns, done, notes: plan.notes, failures };
}
