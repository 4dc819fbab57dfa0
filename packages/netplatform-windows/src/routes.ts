import type { RouteSpec, RouteTable } from '@ktctl/netplatform';
import { type CommandRunner, type Journal, type JournalEntry, type Undoers } from '@ktctl/netplatform';
import { ErrorCode, UserError } from '@ktctl/plugin-api';
import { isDefaultRoute, isIpv6Cidr, normalizeCidr } from '@ktctl/netplatform';
import { netsh, output } from './netsh.js';

export interface RouteAddedEntry extends JournalEntry {
  readonly kind: 'route-added';
  readonly cidr: string;
  readonly device: string;
  readonly gateway?: string;
}

/** `netsh interface ipv4|ipv6 <verb> route <cidr> <interface> <next hop> store=active` (gone at reboot). */
export function netshRouteArgs(verb: 'add' | 'delete', route: RouteAddedEntry): string[] {
  const family = isIpv6Cidr(route.cidr) ? 'ipv6' : 'ipv4';
  const nextHop = route.gateway ?? (family === 'ipv6' ? '::' : '0.0.0.0');
  return ['interface', family, verb, 'route', route.cidr, route.device, nextHop, 'store=active'];
}

function checkedRoute(route: RouteSpec): RouteAddedEntry {
  const cidr = normalizeCidr(route.cidr);
  if (isDefaultRoute(cidr)) throw new Error(`refusing to touch the default route (${route.cidr})`);
  // netsh routes name the interface even for a gateway (the adapter the gateway is reached on).
  if (!route.device) throw new Error(`a route for ${cidr} needs the interface on Windows`);
  return { kind: 'route-added', cidr, device: route.device, ...(route.gateway ? { gateway: route.gateway } : {}) };
}

/** Whether `netsh interface ipvX show route` lists this exact prefix. */
export function listsPrefix(table: string, cidr: string): boolean {
  return table.split(/\r?\n/).some((line) => line.trim().split(/\s+/).includes(cidr));
}

/** Routes through netsh, each journaled before it is added. */
export function createRouteTable(runner: CommandRunner, journal: Journal): RouteTable {
  return {
    async add(route) {
      const entry = checkedRoute(route);
      const table = await netsh(runner, ['interface', isIpv6Cidr(entry.cidr) ? 'ipv6' : 'ipv4', 'show', 'route']);
      if (listsPrefix(table, entry.cidr)) {
        throw new UserError(ErrorCode.RouteExists, `a route for ${entry.cidr} already exists`, {
          hint: 'another VPN or tool routes that range; remove it, or leave the range out with --excludeIps',
        });
      }
      await journal.change(entry, () => netsh(runner, netshRouteArgs('add', entry)).then(() => undefined));
    },
    async remove(route) {
      const wanted = checkedRoute(route);
      await journal.undoWhere(
        (e) => e.kind === 'route-added' && e.cidr === wanted.cidr && e.device === wanted.device && e.gateway === wanted.gateway,
      );
    },
  };
}

/** A route already gone, or its adapter gone (which takes its routes along), counts as undone. */
export const GONE = /Element not found|cannot find the file|not found|volume label syntax is incorrect/i;

export function routeUndoers(runner: CommandRunner): Undoers {
  return {
    'route-added': async (entry) => {
      const result = await runner('netsh', netshRouteArgs('delete', entry as RouteAddedEntry));
      if (result.code !== 0 && !GONE.test(output(result)))
        throw new Error(`netsh delete route ${String(entry.cidr)} failed: ${output(result)}`);
    },
  };
}
