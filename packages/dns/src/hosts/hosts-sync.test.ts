import { afterEach, describe, expect, it, vi } from 'vitest';
import { HostsSync, type HostsSyncOptions } from './hosts-sync.js';
import type { HostsEntry, ServiceEvent, WatchedService } from './watched-service.js';

const svc = (name: string, namespace: string, clusterIP: string): WatchedService => ({
  name,
  namespace,
  clusterIP,
  headless: false,
  ports: [{ port: 80 }],
});

/** A watcher that lists `initial` and then lets the test push events. */
function fakeWatcher(initial: Record<string, WatchedService[]>) {
  const state = { namespaces: [] as readonly string[], push: (_: ServiceEvent) => undefined as void, stopped: false };
  const watchServices: HostsSyncOptions['watchServices'] = async (namespaces, onChange) => {
    state.namespaces = namespaces;
    state.push = onChange;
    for (const namespace of namespaces) onChange({ type: 'reset', namespace, services: initial[namespace] ?? [] });
    return () => void (state.stopped = true);
  };
  return { state, watchServices };
}

function setUp(
  initial: Record<string, WatchedService[]>,
  namespaces: string[] = [],
  setBlock?: (entries: readonly HostsEntry[]) => Promise<void>,
) {
  const watcher = fakeWatcher(initial);
  const blocks: string[][] = [];
  const debug: string[] = [];
  const start = () =>
    HostsSync.start({
      namespaces,
      namespace: 'team-a',
      watchServices: watcher.watchServices,
      setBlock: setBlock ?? (async (entries) => void blocks.push(entries.map((e) => `${e.ip} ${e.names.join(' ')}`))),
      debounceMs: 100,
      logger: { debug: (m) => debug.push(m), warn: (m) => debug.push(`warn: ${m}`) },
    });
  return { watcher, blocks, debug, start };
}

afterEach(() => vi.useRealTimers());

describe('HostsSync', () => {
  it('watches the connect namespace by default and writes the first block before start resolves', async () => {
    const { watcher, blocks, start } = setUp({ 'team-a': [svc('web', 'team-a', '10.96.0.1')] });
    const sync = await start();
    expect(watcher.state.namespaces).toEqual(['team-a']);
    expect(blocks).toEqual([['10.96.0.1 web web.team-a web.team-a.svc.cluster.local']]);
    await sync.stop();
    expect(watcher.state.stopped).toBe(true);
  });

  it('watches hosts:ns1,ns2 namespaces; only the connect namespace gets bare names', async () => {
    const { blocks, start } = setUp({ 'team-a': [svc('web', 'team-a', '10.96.0.1')], 'team-b': [svc('web', 'team-b', '10.96.0.2')] }, [
      'team-a',
      'team-b',
    ]);
    await (await start()).stop();
    expect(blocks[0]).toEqual([
      '10.96.0.1 web web.team-a web.team-a.svc.cluster.local',
      '10.96.0.2 web.team-b web.team-b.svc.cluster.local',
    ]);
  });

  it('batches changes within the debounce interval into one write, and skips writes that change nothing', async () => {
    vi.useFakeTimers();
    const { watcher, blocks, start } = setUp({ 'team-a': [] });
    const sync = await start();
    watcher.state.push({ type: 'upsert', service: svc('web', 'team-a', '10.96.0.1') });
    watcher.state.push({ type: 'upsert', service: svc('api', 'team-a', '10.96.0.3') });
    watcher.state.push({ type: 'delete', namespace: 'team-a', name: 'web' });
    expect(blocks).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(100);
    expect(blocks).toEqual([[], ['10.96.0.3 api api.team-a api.team-a.svc.cluster.local']]);
    watcher.state.push({ type: 'upsert', service: svc('api', 'team-a', '10.96.0.3') });
    await vi.advanceTimersByTimeAsync(100);
    expect(blocks).toHaveLength(2);
    await sync.stop();
  });

  it('a reset replaces the namespace list (relist after a watch expired)', async () => {
    const { watcher, blocks, start } = setUp({ 'team-a': [svc('old', 'team-a', '10.96.0.9')] });
    const sync = await start();
    watcher.state.push({ type: 'reset', namespace: 'team-a', services: [svc('new', 'team-a', '10.96.0.8')] });
    await sync.flush();
    expect(blocks.at(-1)).toEqual(['10.96.0.8 new new.team-a new.team-a.svc.cluster.local']);
    await sync.stop();
  });

  it('notes skipped Services once at debug level, and survives a failing write', async () => {
    let fail = true;
    const written: number[] = [];
    const headless: WatchedService = { name: 'db', namespace: 'team-a', headless: true, clusterIP: 'None', ports: [] };
    const { watcher, debug, start } = setUp({ 'team-a': [headless, svc('web', 'team-a', '10.96.0.1')] }, [], async (entries) => {
      if (fail) throw new Error('read-only file system');
      written.push(entries.length);
    });
    const sync = await start();
    expect(debug.filter((m) => m.includes('team-a/db'))).toEqual([
      'hosts: no entry for team-a/db: headless Service and no endpoints from the watcher',
    ]);
    expect(debug.some((m) => m.startsWith('warn: hosts: cannot update'))).toBe(true);
    fail = false;
    watcher.state.push({ type: 'upsert', service: { ...headless, endpoints: ['10.1.0.7'] } });
    await sync.flush();
    expect(written).toEqual([2]);
    expect(sync.entries().map((e) => e.ip)).toEqual(['10.1.0.7', '10.96.0.1']);
    await sync.stop();
  });

  it('ignores events after stop', async () => {
    const { watcher, blocks, start } = setUp({ 'team-a': [] });
    const sync = await start();
    await sync.stop();
    watcher.state.push({ type: 'upsert', service: svc('web', 'team-a', '10.96.0.1') });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(blocks).toHaveLength(1);
  });
});
