import {
  type CommandRunner,
  createHostsFile,
  hostsUndoers,
  Journal,
  type NetPlatform,
  type NetSession,
  platformPaths,
  requireRoot,
  runBookkeeping,
  restoreFailed,
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
  const paths = platformPaths(options.ktHome);
  const undoers = darwinUndoers(runner);
  const getuid = options.getuid ?? process.getuid;
  const isAdmin = () => getuid?.() === 0;
  const bookkeeping = runBookkeeping({ ...paths, undoers, isAlive: options.isAlive, isAdmin, adminAdvice: 'need root to undo: run `sudo ktctl clean`' });

  return {
    os: 'darwin',
    capabilities: { kernelRedirect: true, tun: true },
    isAdmin,
    requireAdmin: (action) => requireRoot(action, getuid),
    ...bookkeeping,
    async openSession({ command }): Promise<NetSession> {
      requireRoot(`ktctl ${command}`, getuid);
      const restoredStale = await bookkeeping.restoreStale();
      // No start time: macOS has no /proc. A killed run whose pid another process took meanwhile waits
      // (its journal kept) until that process ends.
      const journal = Journal.create(paths.journalDir, { command }, undoers);
      return {
        journal,
        restoredStale,
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
        async close() {
          const errors = await journal.undoAll();
          if (errors.length > 0) throw restoreFailed(errors);
        },
      };
    },
  };
}
