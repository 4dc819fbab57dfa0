import {
  type CommandRunner,
  composePlatform,
  createHostsFile,
  hostsUndoers,
  type NetPlatform,
  requireRoot,
  spawnRunner,
  type Undoers,
} from '@ktctl/netplatform';
import { type Libc, systemLibc } from './libc.js';
import { createPfRedirect, pfUndoers } from './pf.js';
import { createDarwinDns, resolverUndoers } from './resolver.js';
import { createRouteTable, routeUndoers } from './routes.js';
import { createUtunFactory, utunUndoers } from './utun.js';

export interface DarwinPlatformOptions {
  /** ktctl's home (`~/.kt`, from @ktctl/config's ktHome()): journals and pid files live under it. */
  readonly ktHome: string;
  readonly runner?: CommandRunner;
  /** The system calls (utun, DIOCNATLOOK); tests record them. */
  readonly libc?: Libc;
  readonly getuid?: () => number;
  readonly isAlive?: (pid: number) => boolean;
  readonly hostsPath?: string;
  readonly resolverDir?: string;
  readonly resolvConfPath?: string;
}

/** Every undoer the macOS platform's journal entries need. */
export function darwinUndoers(runner: CommandRunner): Undoers {
  return { ...hostsUndoers, ...routeUndoers(runner), ...resolverUndoers(runner), ...pfUndoers(runner), ...utunUndoers };
}

/** The macOS laptop side: utun, route, /etc/resolver files, pf, the hosts file. */
export function createDarwinPlatform(options: DarwinPlatformOptions): NetPlatform {
  const runner = options.runner ?? spawnRunner;
  const libc = options.libc ?? systemLibc;
  const getuid = options.getuid ?? process.getuid;
  // No start time: macOS has no /proc. A killed run whose pid another process took meanwhile waits (its
  // journal kept) until that process ends.
  return composePlatform({
    os: 'darwin',
    capabilities: { kernelRedirect: true, tun: true },
    ktHome: options.ktHome,
    undoers: darwinUndoers(runner),
    isAdmin: () => getuid?.() === 0,
    requireAdmin: (action) => requireRoot(action, getuid),
    adminAdvice: 'need root to undo: run `sudo ktctl clean`',
    isAlive: options.isAlive,
    sessionParts: (journal) => ({
      routes: createRouteTable(runner, journal),
      dns: createDarwinDns({
        runner,
        journal,
        resolverDir: options.resolverDir ?? '/etc/resolver',
        resolvConfPath: options.resolvConfPath ?? '/etc/resolv.conf',
      }),
      hosts: createHostsFile(options.hostsPath ?? '/etc/hosts', journal),
      redirect: createPfRedirect(runner, journal, libc),
      tun: createUtunFactory(runner, journal, libc),
    }),
  });
}
