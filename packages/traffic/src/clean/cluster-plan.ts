import { CONTROLLED_BY_KT, Keys, type ObjectRef } from '@ktctl/kube';
import { ktConfigOf, type RestoreAction, type SeenObject } from '../shared/restore.js';
import { recordedReplicas } from '../shared/scale.js';
import { savedSelector } from '../shared/service-selector.js';
import { secondsSilent } from '../shared/stale.js';
import { staleRouteActions } from './stale-routes.js';

/** One step of a clean, in the order it must run. */
export type CleanAction = Exclude<RestoreAction, { kind: 'clear-annotations' }>;

/** Seconds since the owner last proved alive: its heartbeat, else its creation. */
function silence(object: SeenObject, now: number, key: string = Keys.lastHeartBeat): number {
  return secondsSilent(object, now, key);
}

function name(ref: ObjectRef): string {
  return `${ref.resource}/${ref.name}`;
}

/**
 * What `ktctl clean` does, decided from cluster state and cluster time only: objects whose heartbeat is
 * older than the threshold are deleted (after putting back the Services and Deployments they changed);
 * live objects, whoever owns them, are never touched; a stale `kt-lock` is released.
 */
export function planClean(
  objects: readonly SeenObject[],
  services: readonly SeenObject[],
  now: number,
  thresholdSeconds: number,
  scaledDeployments: readonly SeenObject[] = [],
): CleanAction[] {
  const owned = objects.filter((o) => o.labels[Keys.controlBy] === CONTROLLED_BY_KT);
  const stale = owned.filter((o) => silence(o, now) > thresholdSeconds);
  const liveTargets = new Set(
    owned
      .filter((o) => !stale.includes(o))
      .map((o) => o.labels[Keys.target])
      .filter(Boolean),
  );
  const actions: CleanAction[] = [];
  for (const service of services) {
    const redirectedTo = service.selector?.[Keys.target];
    const original = savedSelector({ metadata: { annotations: service.annotations } });
    if (original && redirectedTo !== undefined && !liveTargets.has(redirectedTo)) {
      actions.push({
        kind: 'restore-selector',
        service: service.ref,
        selector: original,
        why: `its selector points at ${redirectedTo}, whose owner is gone`,
      });
    }
    if (service.annotations[Keys.lock] !== undefined && silence(service, now, Keys.lock) > thresholdSeconds) {
      actions.push({ kind: 'unlock', service: service.ref, why: 'its kt-lock is stale' });
    }
  }
  actions.push(...staleRouteActions(owned, stale));
  for (const object of stale) {
    const config = ktConfigOf(object);
    if (config.app && config.replicas !== undefined && object.ref.namespace) {
      const deployment = { apiVersion: 'apps/v1', resource: 'deployments', namespace: object.ref.namespace, name: config.app };
      actions.push({ kind: 'scale', deployment, replicas: Number(config.replicas), why: `${name(object.ref)} scaled it to 0` });
    }
  }
  // Scale-mode exchange records each Deployment's count on it (kt-config replicas=<n>) and beats on it.
  for (const deployment of scaledDeployments) {
    const replicas = recordedReplicas({ metadata: { annotations: deployment.annotations } });
    if (replicas === undefined || silence(deployment, now) <= thresholdSeconds) continue;
    if (actions.some((a) => a.kind === 'scale' && a.deployment.name === deployment.ref.name)) continue;
    const who = deployment.annotations[Keys.user] ? ` by ${deployment.annotations[Keys.user]}` : '';
    actions.push({
      kind: 'scale',
      deployment: deployment.ref,
      replicas,
      why: `scaled to 0${who}, no heartbeat for ${Math.round(silence(deployment, now) / 60)} min`,
    });
  }
  for (const object of stale)
    actions.push({ kind: 'delete', ref: object.ref, why: `no heartbeat for ${Math.round(silence(object, now) / 60)} min` });
  return actions;
}

/** One line describing an action, for --dryRun and for the log. */
export function describeCleanAction(action: CleanAction): string {
  switch (action.kind) {
    case 'restore-selector':
      return `restore the selector of ${name(action.service)} (${action.why})`;
    case 'scale':
      return `scale ${name(action.deployment)} back to ${action.replicas} (${action.why})`;
    case 'unlock':
      return `release the lock on ${name(action.service)} (${action.why})`;
    case 'drop-routes':
      return `drop the route${action.users.length > 1 ? 's' : ''} of ${action.users.join(', ')} from ${name(action.router)} (${action.why})`;
    case 'delete':
      return `delete ${name(action.ref)} (${action.why})`;
  }
}
