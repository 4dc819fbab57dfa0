import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHostsFile, hostsUndoers, Journal } from '@ktctl/netplatform';
import { afterEach, describe, expect, it } from 'vitest';
import { HostsSync } from './hosts-sync.js';
import type { ServiceEvent } from './watched-service.js';

let dir: string | undefined;
afterEach(() => dir && rmSync(dir, { recursive: true, force: true }));

describe('HostsSync with netplatform HostsFile', () => {
  it("writes the Services into ktctl's block of a hosts file, keeps it current, and the journal restores the file", async () => {
    dir = mkdtempSync(join(tmpdir(), 'kt-dns-hosts-'));
    const path = join(dir, 'hosts');
    writeFileSync(path, '127.0.0.1 localhost\n');
    const journal = Journal.create(join(dir, 'journal'), { pid: 9, command: 'connect' }, hostsUndoers);
    const hosts = createHostsFile(path, journal);
    let push: (event: ServiceEvent) => void = () => undefined;
    const sync = await HostsSync.start({
      namespaces: [],
      namespace: 'team-a',
      setBlock: (entries) => hosts.setBlock(entries),
      watchServices: async (namespaces, onChange) => {
        push = onChange;
        onChange({
          type: 'reset',
          namespace: namespaces[0]!,
          services: [{ name: 'web', namespace: 'team-a', clusterIP: '10.96.0.10', headless: false, ports: [{ port: 80 }] }],
        });
        return () => undefined;
      },
    });
    expect(readFileSync(path, 'utf8')).toBe(
      '127.0.0.1 localhost\n# Kt Hosts Begin\n10.96.0.10 web web.team-a web.team-a.svc.cluster.local\n# Kt Hosts End\n',
    );
    push({ type: 'delete', namespace: 'team-a', name: 'web' });
    await sync.flush();
    expect(readFileSync(path, 'utf8')).toBe('127.0.0.1 localhost\n# Kt Hosts Begin\n# Kt Hosts End\n');
    await sync.stop();
    expect(await journal.undoAll()).toEqual([]);
    expect(readFileSync(path, 'utf8')).toBe('127.0.0.1 localhost\n');
  });
});
