import {
  type CommandRunner,
  composePlatform,
  createHostsFile,
  hostsUndoers,
  type NetPlatform,
  processStartTime,
  replacedFileUndoers,
  requireRoot,
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
  const geteuid = options.geteuid ?? process.geteuid;
  return composePlatform({
    os: 'linux',
    capabilities: { kernelRedirect: true, tun: true },
    ktHome: options.ktHome,
    undoers: linuxUndoers(runner),
    isAdmin: () => geteuid?.() === 0,
    requireAdmin: (action) => requireRoot(action, geteuid),
    adminAdvice: 'need root to undo: run `sudo ktctl clean`',
    isAlive: options.isAlive,
    startTime: () => processStartTime(process.pid),
    sessionParts: (journal) => ({
      routes: createRouteTable(runner, journal),
      dns: createLinuxDns({
        runner,
        journal,
        resolvConfPath: options.resolvConfPath ?? '/etc/resolv.conf',
        resolvedUpstreamPath: options.resolvedUpstreamPath ?? '/run/systemd/resolve/resolv.conf',
      }),
      hosts: createHostsFile(options.hostsPath ?? '/etc/hosts', journal),
      redirect: createKernelRedirect(runner, journal, options.redirectBackend),
      tun: createTunFactory(runner, journal),
    }),
  });
}
