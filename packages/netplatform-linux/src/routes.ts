import type { RouteSpec, RouteTable } from '@ktctl/netplatform';
import { type CommandRunner, type Journal, type JournalEntry, mustRun, type Undoers } from '@ktctl/netplatform';
import { ErrorCode, UserError } from '@ktctl/plugin-api';
import { isDefaultRoute, isIpv6Cidr, normalizeCidr } from '@ktctl/netplatform';

export interface RouteAddedEntry extends JournalEntry {
  readonly kind: 'route-added';
  readonly cidr: string;
  readonly device?: string;
  readonly gateway?: string;
}

/** `ip [-6] route <verb> <cidr> [via <gateway>] [dev <device>]`. */
export function ipRouteArgs(verb: 'add' | 'del' | 'show', route: RouteSpec): string[] {
  const family = isIpv6Cidr(route.cidr) ? ['-6'] : [];
  const target = verb === 'show' ? ['exact', route.cidr] : [route.cidr];
  const via = route.gateway ? ['via', route.gateway] : [];
  const dev = route.device ? ['dev', route.device] : [];
  return [...family, 'route', verb, ...target, ...(verb === 'show' ? [] : [...via, ...dev])];
}

function checkedRoute(route: RouteSpec): RouteAddedEntry {
  const cidr = normalizeCidr(route.cidr);
  if (isDefaultRoute(cidr)) throw new Error(`refusing to touch the default route (${route.cidr})`);
  if (!route.device && !route.gateway) throw new Error(`a route for ${cidr} needs a device or a gateway`);
  return {
    kind: 'route-added',
    cidr,
    ...(route.device ? { device: route.device } : {}),
    ...(route.gateway ? { gateway: route.gateway } : {}),
  };
}

/** Routes through `ip route`, each journaled before it is added. */
export function createRouteTable(runner: CommandRunner, journal: Journal): RouteTable {
  return {
    async add(route) {
      const entry = checkedRoute(route);
      const existing = await mustRun(runner, 'ip', ipRouteArgs('show', entry));
      if (existing.trim() !== '') {
        throw new UserError(ErrorCode.RouteExists, `a route for ${entry.cidr} already exists: ${existing.trim()}`, {
          hint: 'another VPN or tool routes that range; remove it, or leave the range out with --excludeIps',
        });
      }
      await journal.change(entry, () => mustRun(runner, 'ip', ipRouteArgs('add', entry)).then(() => undefined));
    },
    async remove(route) {
      const wanted = checkedRoute(route);
      await journal.undoWhere(
        (e) => e.kind === 'route-added' && e.cidr === wanted.cidr && e.device === wanted.device && e.gateway === wanted.gateway,
      );
    },
  };
}

/** A route already gone (or its device gone, which takes its routes with it) counts as undone. */
const ROUTE_GONE = /No such process|No such device|Cannot find device|not found/i;

export function routeUndoers(runner: CommandRunner): Undoers {
  return {
    'route-added': async (entry) => {
      const result = await runner('ip', ipRouteArgs('del', entry as RouteAddedEntry));
      if (result.code !== 0 && !ROUTE_GONE.test(result.stderr)) {
        throw new Error(`ip route del ${String(entry.cidr)} failed: ${result.stderr.trim()}`);
      }
    },
  };
}
