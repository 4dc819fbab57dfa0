import {
  acquireInstance,
  type CommandRunner,
  createHostsFile,
  hostsUndoers,
  Journal,
  listStaleRuns,
  type NetPlatform,
  type NetSession,
  platformPaths,
  processStartTime,
  removeStalePidFiles,
  type RestoreReport,
  replacedFileUndoers,
  requireRoot,
  restoreFailed,
  restoreStaleJournals,
  spawnRunner,
  type Undoers,
} from '@ktctl/netplatform';
import { createLinuxDns, dnsUndoers } from './dns.js';
import { linkUndoers } from './links.js';
import { createKernelRedirect, type RedirectBackend, redirectUndoers } from './redirect.js';
import { revertResolvConf } from './resolvconf.js';
import { createRouteTable, routeUndoers } from './routes.js';
import { createTunFactory } from './tun.js';

export interface LinuxPlatformOptions {
  /** ktctl's home (`~/.kt`, from @ktctl/config's ktHome()): journals and pid files live under it. */
  readonly ktHome: string;
  readonly runner?: CommandRunner;
  readonly geteuid?: () => number;
  readonly isAlive?: (pid: number) => boolean;
  readonly resolvConfPath?: string;
  readonly resolvedUpstreamPath?: string;
  readonly hostsPath?: string;
  /** Pin the redirect backend; by default iptables when present, else nft. */
  readonly redirectBackend?: RedirectBackend;
}

/** Every undoer the Linux platform's journal entries need. */
export function linuxUndoers(runner: CommandRunner): Undoers {
  return {
    ...replacedFileUndoers({ 'resolv-conf': revertResolvConf }),
    ...hostsUndoers,
    ...routeUndoers(runner),
    ...linkUndoers(runner),
    ...dnsUndoers(runner),
    ...redirectUndoers(runner),
  };
}

/** The Linux laptop side: ip route, resolv.conf or systemd-resolved, iptables/nft, the hosts file. */
export function createLinuxPlatform(options: LinuxPlatformOptions): NetPlatform {
  const runner = options.runner ?? spawnRunner;
  const paths = platformPaths(options.ktHome);
  const undoers = linuxUndoers(runner);
  const geteuid = options.geteuid ?? process.geteuid;
  const alive = options.isAlive ? { isAlive: options.isAlive } : {};
  const restoreStale = async (): Promise<RestoreReport> => {
    if (geteuid?.() !== 0) {
      // Without root nothing can be undone (proxy-only mode gets here too): say so instead of half-trying.
      const failed = listStaleRuns({ journalDir: paths.journalDir, ...alive }).map((run) => ({
        pid: run.pid,
        errors: [`${run.changes.length} laptop change(s) of this killed run need root to undo: run \`sudo ktctl clean\``],
      }));
      return { restored: [], failed, stalePidFiles: removeStalePidFiles(paths.pidDir, options.isAlive) };
    }
    return restoreStaleJournals({ ...paths, undoers, ...alive });
  };

  return {
    os: 'linux',
    capabilities: { kernelRedirect: true, tun: true },
    isAdmin: () => geteuid?.() === 0,
    requireAdmin: (action) => requireRoot(action, geteuid),
    acquireInstance: async (command) =>
      acquireInstance(command, { pidDir: paths.pidDir, ...(options.isAlive ? { isAlive: options.isAlive } : {}) }),
    restoreStale,
    staleChanges: async () => listStaleRuns({ journalDir: paths.journalDir, ...alive }),
    async openSession({ command }): Promise<NetSession> {
      requireRoot(`ktctl ${command}`, geteuid);
      const restoredStale = await restoreStale();
      const startTime = processStartTime(process.pid);
      const journal = Journal.create(paths.journalDir, { command, ...(startTime ? { startTime } : {}) }, undoers);
      const redirect = createKernelRedirect(runner, journal, options.redirectBackend);
      return {
        journal,
        restoredStale,
        routes: createRouteTable(runner, journal),
        dns: createLinuxDns({
          runner,
          journal,
          resolvConfPath: options.resolvConfPath ?? '/etc/resolv.conf',
          resolvedUpstreamPath: options.resolvedUpstreamPath ?? '/run/systemd/resolve/resolv.conf',
        }),
        hosts: createHostsFile(options.hostsPath ?? '/etc/hosts', journal),
        redirect,
        tun: createTunFactory(runner, journal),
        async close() {
          const errors = await journal.undoAll();
          if (errors.length > 0) throw restoreFailed(errors);
        },
      };
    },
  };
}
