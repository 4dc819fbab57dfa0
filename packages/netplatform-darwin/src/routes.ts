import type { RouteSpec, RouteTable } from '@ktctl/netplatform';
import { type CommandRunner, type Journal, type JournalEntry, mustRun, type Undoers } from '@ktctl/netplatform';
import { ErrorCode, UserError } from '@ktctl/plugin-api';
import { isDefaultRoute, isIpv6Cidr, netmask, normalizeCidr } from '@ktctl/netplatform';

export interface RouteAddedEntry extends JournalEntry {
  readonly kind: 'route-added';
  readonly cidr: string;
  readonly device?: string;
  readonly gateway?: string;
}

/**
 * connect names the loopback device as Linux does (`lo`); macOS calls it `lo0`. Translating here keeps
 * the contract's callers OS-independent.
 */
function darwinDevice(device: string | undefined): string | undefined {
  return device === 'lo' ? 'lo0' : device;
}

/** `route -n <verb> [-inet6] -net <cidr> (-interface <dev> | <gateway>)`; `get` takes only the destination. */
export function routeArgs(verb: 'add' | 'delete' | 'get', route: RouteSpec): string[] {
  const family = isIpv6Cidr(route.cidr) ? ['-inet6'] : [];
  const target = ['-net', route.cidr];
  if (verb === 'get') return ['-n', 'get', ...family, ...target];
  const via = route.device ? ['-interface', route.device] : [route.gateway ?? ''];
  return ['-n', verb, ...family, ...target, ...via];
}

function checkedRoute(route: RouteSpec): RouteAddedEntry {
  const cidr = normalizeCidr(route.cidr);
  if (isDefaultRoute(cidr)) throw new Error(`refusing to touch the default route (${route.cidr})`);
  const device = darwinDevice(route.device);
  if (!device && !route.gateway) throw new Error(`a route for ${cidr} needs a device or a gateway`);
  return { kind: 'route-added', cidr, ...(device ? { device } : { gateway: route.gateway }) };
}

/**
 * Whether `route -n get` answered with a route for exactly this network. `get` always finds some route
 * (the default one, at least): only a `destination` and `mask` equal to ours mean the range is taken.
 */
export function isExactRoute(output: string, cidr: string): boolean {
  const field = (name: string) => new RegExp(`^\\s*${name}:\\s*(\\S+)`, 'm').exec(output)?.[1];
  const [address, prefix] = cidr.split('/');
  const destination = field('destination');
  if (destination === undefined || destination === 'default') return false;
  if (isIpv6Cidr(cidr)) return destination === address && (field('prefixlen') ?? prefix) === prefix;
  return sameIpv4(destination, address!) && (field('mask') ?? '255.255.255.255') === netmask(Number(prefix));
}

/** route prints networks short (`10.96` for 10.96.0.0). */
function sameIpv4(shown: string, address: string): boolean {
  const parts = shown.split('.');
  while (parts.length < 4) parts.push('0');
  return parts.join('.') === address;
}

/** Routes through `route(8)`, each journaled before it is added. */
export function createRouteTable(runner: CommandRunner, journal: Journal): RouteTable {
  return {
    async add(route) {
      const entry = checkedRoute(route);
      const existing = await runner('route', routeArgs('get', entry));
      if (existing.code === 0 && isExactRoute(existing.stdout, entry.cidr)) {
        throw new UserError(ErrorCode.RouteExists, `a route for ${entry.cidr} already exists`, {
          hint: 'another VPN or tool routes that range; remove it, or leave the range out with --excludeIps',
        });
      }
      await journal.change(entry, () => mustRun(runner, 'route', routeArgs('add', entry)).then(() => undefined));
    },
    async remove(route) {
      const wanted = checkedRoute(route);
      await journal.undoWhere(
        (e) => e.kind === 'route-added' && e.cidr === wanted.cidr && e.device === wanted.device && e.gateway === wanted.gateway,
      );
    },
  };
}

/** A route already gone (its utun gone with the process that held it takes its routes along) is undone. */
const ROUTE_GONE = /not in table|No such process|bad address|not found/i;

export function routeUndoers(runner: CommandRunner): Undoers {
  return {
    'route-added': async (entry) => {
      const result = await runner('route', routeArgs('delete', entry as RouteAddedEntry));
      if (result.code !== 0 && !ROUTE_GONE.test(result.stderr + result.stdout)) {
        throw new Error(`route delete ${String(entry.cidr)} failed: ${(result.stderr || result.stdout).trim()}`);
      }
    },
  };
}
