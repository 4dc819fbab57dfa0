import { CONTROLLED_BY_KT, Keys, routerName, stuntmanName, type ObjectRef } from '@ktctl/kube';
import { KT_KINDS, ktConfigOf, type RestoreAction, type SeenObject } from '../shared/restore.js';
import { recordedReplicas } from '../shared/scale.js';
import { STALE_AFTER_SECONDS } from '../shared/stale.js';
import { REDIRECT_ANNOTATIONS, savedSelector, selects, type ServiceState } from '../shared/service-selector.js';

/** One step of a recovery, in the order it runs. */
export type RecoverAction = Exclude<RestoreAction, { kind: 'unlock' | 'drop-routes' }>;

export interface RecoverPlan {
  readonly actions: RecoverAction[];
  /** Things the user should know (a live owner, a selector that cannot be known). */
  readonly notes: string[];
}

/** Is this object one ktctl made for `service`: its shadows, mesh shadows and Services, router and stuntman? */
function madeFor(object: SeenObject, service: string, redirectTarget: string | undefined): boolean {
  if (object.labels[Keys.controlBy] !== CONTROLLED_BY_KT) return false;
  const name = object.ref.name ?? '';
  if (redirectTarget !== undefined && object.labels[Keys.target] === redirectTarget) return true;
  if (name === routerName(service) || name === stuntmanName(service)) return true;
  if (name.startsWith(`${service}-kt-exchange-`) || name.startsWith(`${service}-kt-mesh-`)) return true;
  return ktConfigOf(object).service === service;
}

/**
 * What `ktctl recover <svc>` does, from whatever state it finds: the selector back from `kt-selector` (or
 * from the stuntman, which carries the original), the annotations a redirect added removed, Deployments
 * scaled back to their recorded count, and every object ktctl made for the Service deleted.
 */
export function planRecover(
  service: ServiceState,
  objects: readonly SeenObject[],
  deployments: readonly SeenObject[],
  now: number,
): RecoverPlan {
  const name = service.metadata.name;
  const ref: ObjectRef = { apiVersion: 'v1', resource: 'services', namespace: service.metadata.namespace, name };
  const actions: RecoverAction[] = [];
  const notes: string[] = [];
  const redirectTarget = service.spec.selector?.[Keys.target];
  const mine = objects.filter((o) => madeFor(o, name, redirectTarget));
  const stuntman = mine.find((o) => o.ref.resource === 'services' && o.ref.name === stuntmanName(name));
  const saved = savedSelector(service);
  const original = saved ?? (redirectTarget !== undefined ? stuntman?.selector : undefined);
  if (original) {
    actions.push({
      kind: 'restore-selector',
      service: ref,
      selector: { ...original },
      why: saved ? 'kt-selector' : `service ${stuntman!.ref.name}`,
    });
  } else if (redirectTarget !== undefined) {
    notes.push(
      `the selector of service ${name} points at a ktctl shadow but its original is recorded nowhere; set it back by hand (kubectl edit service ${name})`,
    );
  }
  const leftover = REDIRECT_ANNOTATIONS.filter((k) => service.metadata.annotations?.[k] !== undefined);
  if (!original && leftover.length) actions.push({ kind: 'clear-annotations', service: ref, keys: leftover });
  for (const d of deployments) {
    const replicas = recordedReplicas({ metadata: { annotations: d.annotations } });
    if (
      replicas !== undefined &&
      d.labels[Keys.controlBy] !== CONTROLLED_BY_KT &&
      selects(original ?? service.spec.selector, d.templateLabels)
    ) {
      actions.push({ kind: 'scale', deployment: d.ref, replicas, why: 'its kt-config annotation' });
    }
  }
  for (const shadow of mine) {
    const config = ktConfigOf(shadow);
    const deployment = deployments.find((d) => d.ref.name === config.app);
    if (
      deployment &&
      config.replicas !== undefined &&
      /^\d+$/.test(config.replicas) &&
      deployment.replicas === 0 &&
      !actions.some((a) => a.kind === 'scale' && a.deployment.name === deployment.ref.name)
    ) {
      actions.push({
        kind: 'scale',
        deployment: deployment.ref,
        replicas: Number(config.replicas),
        why: `the kt-config of ${shadow.ref.resource}/${shadow.ref.name}`,
      });
    }
  }
  for (const object of mine) {
    const beat = Number(object.annotations[Keys.lastHeartBeat]);
    const user = object.annotations[Keys.user];
    if (Number.isFinite(beat) && now - beat < STALE_AFTER_SECONDS && object.ref.resource !== 'configmaps' && user) {
      notes.push(
        `${object.ref.resource}/${object.ref.name} of ${user} still had a heartbeat ${Math.max(0, now - beat)} s ago; if their ktctl is alive it loses its redirect`,
      );
    }
  }
  // Pods first: a pod that mounts a ConfigMap goes before it.
  const order: readonly string[] = KT_KINDS.map((k) => k.resource);
  for (const object of [...mine].sort((a, b) => order.indexOf(a.ref.resource) - order.indexOf(b.ref.resource)))
    actions.push({ kind: 'delete', ref: object.ref, immediate: object.ref.resource === 'pods' });
  return { actions, notes };
}

/** One line per action, for the user. */
export function describeRecoverAction(action: RecoverAction): string {
  switch (action.kind) {
    case 'restore-selector':
      return `restored the selector of service ${action.service.name} to ${JSON.stringify(action.selector)} (from ${action.why})`;
    case 'clear-annotations':
      return `removed ${action.keys.join(', ')} from service ${action.service.name}`;
    case 'scale':
      return `scaled deployment ${action.deployment.name} back to ${action.replicas} (from ${action.why})`;
    case 'delete':
      return `deleted ${action.ref.resource.replace(/s$/, '')} ${action.ref.name}`;
  }
}
