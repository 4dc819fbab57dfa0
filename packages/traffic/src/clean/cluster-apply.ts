import { CONTROLLED_BY_KT, Keys, type KubeClient } from '@ktctl/kube';
import { applyRestore, listKtObjects, listSeen } from '../shared/restore.js';
import { recordedReplicas } from '../shared/scale.js';
import { planClean, type CleanAction } from './cluster-plan.js';

/** Reads what clean decides on, in the client's namespace, and plans it (nothing is changed). */
export async function planClusterClean(client: KubeClient, thresholdSeconds: number): Promise<CleanAction[]> {
  const now = await client.clusterUnixSeconds();
  const owned = await listKtObjects(client);
  const scaled = (await listSeen(client, { apiVersion: 'apps/v1', resource: 'deployments' })).filter(
    (d) => d.labels[Keys.controlBy] !== CONTROLLED_BY_KT && recordedReplicas({ metadata: { annotations: d.annotations } }) !== undefined,
  );
  const services = (await listSeen(client, { apiVersion: 'v1', resource: 'services' })).filter(
    (s) => s.annotations[Keys.selector] !== undefined || s.annotations[Keys.lock] !== undefined,
  );
  return planClean(owned, services, now, thresholdSeconds, scaled);
}

function target(action: CleanAction): string | undefined {
  return 'ref' in action
    ? action.ref.name
    : 'service' in action
      ? action.service.name
      : 'router' in action
        ? action.router.name
        : action.deployment.name;
}

/** Carries out a plan in order; every action is tried; returns the failures, one line each. */
export async function applyClusterClean(
  client: KubeClient,
  actions: readonly CleanAction[],
  done: (action: CleanAction) => void = () => undefined,
): Promise<string[]> {
  const failures: string[] = [];
  await applyRestore(client, actions, {
    done: (action) => done(action as CleanAction),
    failed: (action, error) => failures.push(`${action.kind} ${JSON.stringify(target(action as CleanAction))}: ${error.message}`),
  });
  return failures;
}
