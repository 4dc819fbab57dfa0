import { Keys, Role, routerName } from '@ktctl/kube';
import { savedSelector, selects, type ServiceState } from './service-selector.js';
import { STALE_AFTER_SECONDS } from './stale.js';

/** What ktctl made in the namespace, as the conflict check sees it. */
export interface KtPod {
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
}

/** Someone already redirecting a Service: what they do and who they are. */
export interface Holder {
  readonly what: 'exchanged' | 'meshed' | 'being redirected';
  readonly user: string;
  readonly by: string;
}

/**
 * Who holds a Service now, from the Service and ktctl's pods in its namespace: a fresh `kt-lock`, a
 * selector pointing at a shadow or router, a router named after it, or a shadow carrying its labels
 * (scale-mode exchange, manual mesh). Undefined when it is free.
 */
export function findHolder(svc: ServiceState, pods: readonly KtPod[], now: number): Holder | undefined {
  const annotations = svc.metadata.annotations ?? {};
  const byTarget = (target: string | undefined) => pods.find((p) => target !== undefined && p.metadata.labels?.[Keys.target] === target);
  const userOf = (pod: KtPod | undefined) => pod?.metadata.annotations?.[Keys.user] ?? annotations[Keys.user] ?? 'an unknown user';
  const target = svc.spec.selector?.[Keys.target];
  if (target !== undefined || annotations[Keys.selector] !== undefined) {
    const pod = byTarget(target);
    const meshed = pod?.metadata.labels?.[Keys.role] === Role.router;
    return {
      what: meshed ? 'meshed' : 'exchanged',
      user: userOf(pod),
      by: pod ? `${meshed ? 'router' : 'shadow'} ${pod.metadata.name}` : 'a run whose shadow is gone',
    };
  }
  const router = pods.find((p) => p.metadata.name === routerName(svc.metadata.name));
  if (router) return { what: 'meshed', user: userOf(router), by: `router ${router.metadata.name}` };
  const original = savedSelector(svc) ?? svc.spec.selector;
  const twin = pods.find(
    (p) => [Role.exchange, Role.mesh].includes(p.metadata.labels?.[Keys.role] as never) && selects(original, p.metadata.labels),
  );
  if (twin) {
    const meshed = twin.metadata.labels?.[Keys.role] === Role.mesh;
    return { what: meshed ? 'meshed' : 'exchanged', user: userOf(twin), by: `shadow ${twin.metadata.name}` };
  }
  const lock = Number(annotations[Keys.lock]);
  if (annotations[Keys.lock] !== undefined && Number.isFinite(lock) && now - lock < STALE_AFTER_SECONDS) {
    return {
      what: 'being redirected',
      user: annotations[Keys.user] ?? 'an unknown user',
      by: `kt-lock set ${Math.max(0, now - lock)} s ago`,
    };
  }
  return undefined;
}
