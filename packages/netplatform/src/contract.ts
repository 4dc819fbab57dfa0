import type { Socket } from 'node:net';
import type { Journal } from './journal.js';

/**
 * The laptop-side contract of `ktctl connect`. Each `netplatform-<os>` package implements it; the app picks
 * one implementation per `process.platform` and never runs a root-needing command itself.
 *
 * Every method that changes the laptop journals the change (write-ahead) before making it, so that `close()`
 * and, after a crash, `restoreStale()` can undo it.
 */
export interface NetPlatform {
  readonly os: NodeJS.Platform;
  /** What this OS can do; the app refuses modes the platform lacks before it changes anything. */
  readonly capabilities: PlatformCapabilities;
  /** True when the process may change routes, DNS and firewall rules (root / Administrator). */
  isAdmin(): boolean;
  /** Throws KT_NOT_ROOT with a sudo hint unless isAdmin(); the caller skips this in proxy-only mode. */
  requireAdmin(action: string): void;
  /**
   * Marks this process as the running `command` (pid file) and refuses with KT_ALREADY_RUNNING when a live
   * one exists. Needs no root: proxy-only mode takes it too.
   */
  acquireInstance(command: string): Promise<InstanceLock>;
  /** Starts a journaled session of laptop changes; requires admin. Undoes stale runs' journals first. */
  openSession(options: SessionOptions): Promise<NetSession>;
  /** Undoes the journals of runs whose process is dead and removes their stale pid files. */
  restoreStale(): Promise<RestoreReport>;
  /** What restoreStale() would undo, one line per change (`ktctl clean --dryRun`). */
  staleChanges(): Promise<StaleRun[]>;
}

export interface StaleRun {
  readonly pid: number;
  readonly command: string;
  /** Newest first, the order they would be undone in. */
  readonly changes: readonly string[];
}

export interface PlatformCapabilities {
  /** Kernel redirect of TCP to a local listener with original-destination lookup (sshuttle mode). */
  readonly kernelRedirect: boolean;
  /** A TUN device (tun2socks mode). */
  readonly tun: boolean;
}

export interface SessionOptions {
  /** The command whose changes these are (`connect`); recorded in the journal. */
  readonly command: string;
}

/** One run's laptop changes. Each part journals what it does; close() undoes everything in reverse order. */
export interface NetSession {
  readonly routes: RouteTable;
  readonly dns: DnsConfigurator;
  readonly hosts: HostsFile;
  /** Absent where the OS has no kernel redirect (Windows). */
  readonly redirect: KernelRedirect | undefined;
  /** Absent where the OS implementation has no TUN support yet (capabilities.tun). */
  readonly tun: TunFactory | undefined;
  readonly journal: Journal;
  /** What opening undid of killed runs first (the app tells the user their laptop was put back). */
  readonly restoredStale: RestoreReport;
  /** Undoes every journaled change in reverse order and removes the journal; safe to call twice. */
  close(): Promise<void>;
}

export interface InstanceLock {
  readonly pidFile: string;
  release(): Promise<void>;
}

/** A route for a cluster CIDR, through a device or a gateway. Never the default route. */
export interface RouteSpec {
  /** `10.96.0.0/16`, `fd00::/108`, or a single address (taken as /32 or /128). */
  readonly cidr: string;
  readonly device?: string;
  readonly gateway?: string;
}

export interface RouteTable {
  /** Adds the route; refuses a default route or one that already exists (it is not ours to remove). */
  add(route: RouteSpec): Promise<void>;
  /** Removes a route this session added (and drops it from what close() undoes). */
  remove(route: RouteSpec): Promise<void>;
}

export interface DnsSettings {
  /** Our nameservers, first in the resolver's list. `host:port` only where the backend supports ports. */
  readonly nameservers: readonly string[];
  /** Search domains put before the existing ones (e.g. `<ns>.svc.cluster.local`). */
  readonly searchDomains?: readonly string[];
  /** Domains routed to our nameservers on split-DNS backends (systemd-resolved, /etc/resolver). */
  readonly routeDomains?: readonly string[];
  /** The interface DNS belongs to on per-link backends (the TUN device); one is created when absent. */
  readonly device?: string;
}

export type DnsBackend = 'resolv.conf' | 'systemd-resolved' | 'resolver-files' | 'netsh';

export interface DnsConfigurator {
  /** Which mechanism apply() uses on this machine. */
  backend(): Promise<DnsBackend>;
  /** Whether nameservers may carry a port; when not, redirect 127.0.0.1:53 with KernelRedirect. */
  supportsPort(): Promise<boolean>;
  /** The nameservers in use before ktctl changed anything (the upstream for external names). */
  originalNameservers(): Promise<string[]>;
  /** The search domains in use before ktctl changed anything. */
  originalSearchDomains(): Promise<string[]>;
  apply(settings: DnsSettings): Promise<void>;
}

export interface HostsEntry {
  readonly ip: string;
  readonly names: readonly string[];
}

export interface HostsFile {
  /** Replaces ktctl's block (`# Kt Hosts Begin` … `# Kt Hosts End`) atomically; other lines stay as they are. */
  setBlock(entries: readonly HostsEntry[]): Promise<void>;
  /** Removes ktctl's block. */
  clearBlock(): Promise<void>;
}

export interface RedirectSpec {
  /** Cluster CIDRs whose TCP connections go to the local port. */
  readonly cidrs: readonly string[];
  /** Addresses never redirected: `--excludeIps` and the API server address (the tunnel's own path). */
  readonly excludes: readonly string[];
  /** The local listener's port. */
  readonly toPort: number;
  /**
   * Also redirect connections routed through this machine (containers on a bridge): they arrive at the
   * bridge's own address, so the listener must then listen there too, not only on 127.0.0.1.
   */
  readonly includeForwarded?: boolean;
}

export interface SocketAddress {
  readonly address: string;
  readonly port: number;
}

export interface KernelRedirect {
  /** The rule backend in use (`iptables`, `nft`, `pf`); `auto` until the first rule is installed. */
  readonly backend: string;
  /** Redirects TCP to the cluster CIDRs (minus excludes) to 127.0.0.1:toPort (locally made and forwarded). */
  redirectTcp(spec: RedirectSpec): Promise<void>;
  /** Redirects DNS sent to 127.0.0.1:53 (UDP and TCP) to a local DNS server that could not bind 53. */
  redirectLoopbackDns(toPort: number): Promise<void>;
  /** The destination a redirected, accepted connection was meant for. */
  originalDestination(socket: Socket): SocketAddress;
}

export interface TunOptions {
  /** `kt0` on Linux; macOS picks `utunN` itself. */
  readonly name?: string;
  /** The device's own address with prefix, e.g. `10.255.0.1/32`. */
  readonly address: string;
  readonly mtu?: number;
}

/** A TUN device: raw IP packets in and out. Removed (and journaled as removable) by the session. */
export interface TunDevice {
  readonly name: string;
  readonly mtu: number;
  /** Called with each IP packet read from the device. */
  onPacket(listener: (packet: Buffer) => void): void;
  write(packet: Buffer): void;
  close(): Promise<void>;
}

export interface TunFactory {
  create(options: TunOptions): Promise<TunDevice>;
}

export interface RestoreReport {
  /** Journals of dead runs that were undone completely and removed. */
  readonly restored: readonly { pid: number; command: string; changes: number }[];
  /** Journals that could not be undone completely; kept for the next attempt. */
  readonly failed: readonly { pid: number; errors: readonly string[] }[];
  /** Pid files of dead processes that were removed. */
  readonly stalePidFiles: readonly string[];
}
