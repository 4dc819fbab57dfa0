import { win32 } from 'node:path';
import {
  type CommandRunner,
  composePlatform,
  createHostsFile,
  hostsUndoers,
  type NetPlatform,
  spawnRunner,
  type Undoers,
} from '@ktctl/netplatform';
import { ADMIN_CLEAN, type ExitCodeRunner, isElevated, notAdministrator, spawnExitCode } from './admin.js';
import { createWindowsDns, dnsUndoers } from './dns.js';
import { createRouteTable, routeUndoers } from './routes.js';
import { createWintunFactory, wintunUndoers } from './tun.js';
import { loadWintun, locateWintun, type WintunApi } from './wintun.js';

export interface WindowsPlatformOptions {
  /** ktctl's home (`~/.kt`, from @ktctl/config's ktHome()): journals and pid files live under it. */
  readonly ktHome: string;
  readonly runner?: CommandRunner;
  /** For the elevation check (`net session`, `fltmc`). */
  readonly exitCode?: ExitCodeRunner;
  readonly isAlive?: (pid: number) => boolean;
  readonly env?: NodeJS.ProcessEnv;
  readonly hostsPath?: string;
  /** wintun.dll to load; by default the binary's embedded copy, else the one beside ktctl.exe. */
  readonly wintunDll?: string;
  /** The Wintun calls (tests record them). */
  readonly wintun?: () => WintunApi;
}

/** `%SystemRoot%\System32\drivers\etc\hosts`. */
export function windowsHostsPath(env: NodeJS.ProcessEnv): string {
  return win32.join(env.SystemRoot ?? env.SYSTEMROOT ?? 'C:\\Windows', 'System32', 'drivers', 'etc', 'hosts');
}

/** Every undoer the Windows platform's journal entries need. */
export function windowsUndoers(runner: CommandRunner): Undoers {
  return { ...hostsUndoers, ...routeUndoers(runner), ...dnsUndoers(runner), ...wintunUndoers };
}

/** The Windows laptop side: a Wintun adapter, netsh routes and DNS, NRPT rules, the hosts file. No sshuttle mode. */
export function createWindowsPlatform(options: WindowsPlatformOptions): NetPlatform {
  const runner = options.runner ?? spawnRunner;
  let elevated: boolean | undefined;
  const isAdmin = () => (elevated ??= isElevated(options.exitCode ?? spawnExitCode));
  const requireAdmin = (action: string) => {
    if (!isAdmin()) throw notAdministrator(action);
  };
  let wintun: (WintunApi & { unload?(): void }) | undefined;
  const loadedWintun = () => {
    if (wintun) return wintun;
    if (options.wintun) return (wintun = options.wintun());
    const { path, extracted } = locateWintun(options.wintunDll);
    return (wintun = loadWintun(path, extracted));
  };
  /** Frees the DLL once its adapters are closed, so an extracted copy can be deleted (Windows locks it while loaded). */
  const unloadWintun = () => {
    wintun?.unload?.();
    wintun = undefined;
  };
  return composePlatform({
    os: 'win32',
    capabilities: { kernelRedirect: false, tun: true },
    ktHome: options.ktHome,
    undoers: windowsUndoers(runner),
    isAdmin,
    requireAdmin,
    adminAdvice: `need Administrator rights: ${ADMIN_CLEAN}`,
    restoreRetry: ADMIN_CLEAN,
    isAlive: options.isAlive,
    sessionParts: (journal) => ({
      routes: createRouteTable(runner, journal),
      dns: createWindowsDns(runner, journal),
      hosts: createHostsFile(options.hostsPath ?? windowsHostsPath(options.env ?? process.env), journal),
      // Windows has no kernel redirect with an original-destination lookup: sshuttle mode is refused.
      redirect: undefined,
      tun: createWintunFactory(runner, journal, loadedWintun),
    }),
    afterClose: unloadWintun,
  });
}
