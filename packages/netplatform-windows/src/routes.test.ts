import { readFileSync } from 'node:fs';
import { Journal, recordingRunner } from '@ktctl/netplatform';
import { tempDir } from '@ktctl/netplatform/testing';
import { describe, expect, it } from 'vitest';
import { createRouteTable, listsPrefix, netshRouteArgs, routeUndoers } from './routes.js';

const SHOW = `
Publish  Type      Met  Prefix                    Idx  Gateway/Interface Name
-------  --------  ---  ------------------------  ---  ------------------------
No       Manual    0    0.0.0.0/0                  12  192.168.1.1
No       System    256  10.96.0.0/16               31  Other VPN
`;
const newJournal = (runner: Parameters<typeof routeUndoers>[0]) =>
  Journal.create(tempDir('kt-wroutes-'), { pid: 1, command: 'connect' }, routeUndoers(runner));

describe('netsh routes', () => {
  it('builds add/delete for IPv4 (on-link 0.0.0.0), IPv6 (::) and a gateway, active only', () => {
    expect(netshRouteArgs('add', { kind: 'route-added', cidr: '10.96.0.0/16', device: 'kt0' })).toEqual([
      'interface',
      'ipv4',
      'add',
      'route',
      '10.96.0.0/16',
      'kt0',
      '0.0.0.0',
      'store=active',
    ]);
    expect(netshRouteArgs('delete', { kind: 'route-added', cidr: 'fd00::/108', device: 'kt0' })).toEqual([
      'interface',
      'ipv6',
      'delete',
      'route',
      'fd00::/108',
      'kt0',
      '::',
      'store=active',
    ]);
    expect(netshRouteArgs('add', { kind: 'route-added', cidr: '10.96.0.0/16', device: 'Ethernet 2', gateway: '10.0.0.1' })).toEqual([
      'interface',
      'ipv4',
      'add',
      'route',
      '10.96.0.0/16',
      'Ethernet 2',
      '10.0.0.1',
      'store=active',
    ]);
    expect(listsPrefix(SHOW, '10.96.0.0/16')).toBe(true);
    expect(listsPrefix(SHOW, '10.244.0.0/16')).toBe(false);
  });

  it('looks, journals, adds; undo deletes the same route', async () => {
    let journalAtAdd = '';
    const runner = recordingRunner((_c, args) => {
      if (args[2] === 'show') return { stdout: SHOW };
      if (args[2] === 'add') journalAtAdd = readFileSync(journal.path, 'utf8');
      return undefined;
    });
    const journal = newJournal(runner);
    await createRouteTable(runner, journal).add({ cidr: '10.244.0.0/16', device: 'kt0' });
    expect(JSON.parse(journalAtAdd).entries[0]).toMatchObject({
      state: 'applying',
      entry: { kind: 'route-added', cidr: '10.244.0.0/16', device: 'kt0' },
    });
    expect(await journal.undoAll()).toEqual([]);
    expect(runner.lines()).toEqual([
      'netsh interface ipv4 show route',
      'netsh interface ipv4 add route 10.244.0.0/16 kt0 0.0.0.0 store=active',
      'netsh interface ipv4 delete route 10.244.0.0/16 kt0 0.0.0.0 store=active',
    ]);
  });

  it('refuses the default route, a route without interface, and a range already routed', async () => {
    const runner = recordingRunner(() => ({ stdout: SHOW }));
    const journal = newJournal(runner);
    const routes = createRouteTable(runner, journal);
    await expect(routes.add({ cidr: '0.0.0.0/0', device: 'kt0' })).rejects.toThrow(/default route/);
    await expect(routes.add({ cidr: '10.244.0.0/16', gateway: '10.0.0.1' })).rejects.toThrow(/needs the interface/);
    await expect(routes.add({ cidr: '10.96.0.0/16', device: 'kt0' })).rejects.toMatchObject({ code: 'KT_ROUTE_EXISTS' });
    expect(runner.lines()).toEqual(['netsh interface ipv4 show route']);
    expect(journal.pending()).toEqual([]);
  });

  it('a route (or adapter) already gone counts as undone; netsh errors on stdout are reported', async () => {
    const gone = recordingRunner((_c, a) => (a[2] === 'delete' ? { code: 1, stdout: 'Element not found.\r\n' } : undefined));
    const journal = newJournal(gone);
    await createRouteTable(gone, journal).add({ cidr: '10.244.0.0/16', device: 'kt0' });
    expect(await journal.undoAll()).toEqual([]);
    const denied = recordingRunner((_c, a) =>
      a[2] === 'delete' ? { code: 1, stdout: 'The requested operation requires elevation (Run as administrator).\r\n' } : undefined,
    );
    const other = newJournal(denied);
    await createRouteTable(denied, other).add({ cidr: '10.244.0.0/16', device: 'kt0' });
    expect(await other.undoAll()).toEqual([expect.stringContaining('requires elevation')]);
  });
});
