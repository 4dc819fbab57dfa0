import { Keys, Role } from '@ktctl/kube';
import type { RestoreAction, SeenObject } from '../shared/restore.js';
import { storedRules } from '../shared/router-rules.js';

/**
 * Routes of dead mesh participants on a router others keep alive: a route whose mesh Service is stale (or
 * gone) is dropped, the others' are kept. A stale router needs none of this: it goes with everything else.
 */
export function staleRouteActions(
  owned: readonly SeenObject[],
  stale: readonly SeenObject[],
): Extract<RestoreAction, { kind: 'drop-routes' }>[] {
  const services = (list: readonly SeenObject[]) => new Set(list.filter((o) => o.ref.resource === 'services').map((o) => o.ref.name));
  const existing = services(owned);
  const dead = services(stale);
  const routers = owned.filter((o) => o.ref.resource === 'pods' && o.labels[Keys.role] === Role.router && !stale.includes(o));
  return routers.flatMap((router) => {
    const gone = (storedRules(router.annotations)?.routes ?? []).filter((r) => dead.has(r.backend) || !existing.has(r.backend));
    if (!gone.length) return [];
    const backends = [...new Set(gone.map((r) => r.backend))];
    return [
      {
        kind: 'drop-routes' as const,
        router: router.ref,
        backends,
        users: gone.map((r) => r.user),
        why: `their mesh Service${backends.length > 1 ? 's are' : ' is'} stale or gone`,
      },
    ];
  });
}
