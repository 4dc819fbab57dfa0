import type { Logger } from '@ktctl/plugin-api';
import { hostsEntries } from './hosts-entries.js';
import type { HostsEntry, ServiceEvent, StopWatching, WatchedService, WatchServices } from './watched-service.js';

export interface HostsSyncOptions {
  /** Namespaces from `hosts:ns1,ns2`; empty means the connect namespace alone. */
  namespaces: readonly string[];
  /** The connect namespace (`--namespace`): its Services also get their bare name. */
  namespace: string;
  /** `--clusterDomain`; `cluster.local` by default. */
  clusterDomain?: string;
  watchServices: WatchServices;
  /** Replaces ktctl's hosts block (netplatform's HostsFile.setBlock). */
  setBlock(entries: readonly HostsEntry[]): Promise<void>;
  /** Changes within this many milliseconds of the first are written together (300). */
  debounceMs?: number;
  logger?: Pick<Logger, 'debug' | 'warn'>;
}

/**
 * Keeps ktctl's hosts block equal to the watched Services (`--dnsMode hosts`): the first block is written
 * before `start` resolves, later changes are batched, and an unchanged list is never rewritten.
 */
export class HostsSync {
  private readonly services = new Map<string, WatchedService>();
  private readonly reportedSkips = new Set<string>();
  private stopWatching: StopWatching | undefined;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private written: string | undefined;
  private stopped = false;

  private constructor(private readonly options: HostsSyncOptions) {}

  /** Starts watching and writes the first block. */
  static async start(options: HostsSyncOptions): Promise<HostsSync> {
    const sync = new HostsSync(options);
    const namespaces = options.namespaces.length > 0 ? options.namespaces : [options.namespace];
    sync.stopWatching = await options.watchServices(namespaces, (event) => sync.onChange(event));
    await sync.flush();
    return sync;
  }

  /** The entries the block should hold now. */
  entries(): HostsEntry[] {
    return hostsEntries(this.services.values(), this.naming()).entries;
  }

  /** Writes pending changes now instead of after the debounce. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.writing = this.writing.then(() => this.write());
    return this.writing;
  }

  /** Stops watching and waits for a write in progress; the caller removes the block (HostsFile.clearBlock). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.stopWatching?.();
    await this.writing;
  }

  private onChange(event: ServiceEvent): void {
    if (this.stopped) return;
    if (event.type === 'reset') {
      for (const [key, service] of this.services) if (service.namespace === event.namespace) this.services.delete(key);
      for (const service of event.services) this.services.set(keyOf(service.namespace, service.name), service);
    } else if (event.type === 'upsert') {
      this.services.set(keyOf(event.service.namespace, event.service.name), event.service);
    } else {
      this.services.delete(keyOf(event.namespace, event.name));
    }
    // The timer is not pushed back by later changes, so a busy namespace still gets written every interval.
    this.timer ??= setTimeout(() => void this.flush(), this.options.debounceMs ?? 300);
  }

  private async write(): Promise<void> {
    const { entries, skipped } = hostsEntries(this.services.values(), this.naming());
    for (const skip of skipped) this.noteSkip(`${skip.service}: ${skip.reason}`);
    const text = JSON.stringify(entries);
    if (text === this.written) return;
    try {
      await this.options.setBlock(entries);
      this.written = text;
      this.options.logger?.debug(`hosts: ${entries.length} entries written`);
    } catch (error) {
      // Not fatal: the next change tries again with the then current list.
      this.options.logger?.warn(`hosts: cannot update the hosts file: ${(error as Error).message}`);
    }
  }

  private noteSkip(note: string): void {
    if (this.reportedSkips.has(note)) return;
    this.reportedSkips.add(note);
    this.options.logger?.debug(`hosts: no entry for ${note}`);
  }

  private naming(): { namespace: string; clusterDomain: string } {
    return { namespace: this.options.namespace, clusterDomain: this.options.clusterDomain ?? 'cluster.local' };
  }
}

function keyOf(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}
