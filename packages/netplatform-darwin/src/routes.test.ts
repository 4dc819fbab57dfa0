import { readFileSync } from 'node:fs';
import { Journal, recordingRunner } from '@ktctl/netplatform';
import { tempDir } from '@ktctl/netplatform/testing';
import { describe, expect, it } from 'vitest';
import { createRouteTable, isExactRoute, routeArgs, routeUndoers } from './routes.js';

const newJournal = (runner: Parameters<typeof routeUndoers>[0]) =>
  Journal.create(tempDir('kt-routes-'), { pid: 1, command: 'connect' }, routeUndoers(runner));

const getDefault = `   route to: 10.96.0.0
destination: default
       mask: default
    gateway: 192.168.1.1
  interface: en0
`;
const getExisting = `   route to: 10.96.0.0
destination: 10.96
       mask: 255.255.0.0
  interface: utun3
`;

describe('route(8) arguments', () => {
  it('adds through an interface or a gateway, IPv4 and IPv6', () => {
    expect(routeArgs('add', { cidr: '10.96.0.0/16', device: 'utun7' })).toEqual([
      '-n',
      'add',
      '-net',
      '10.96.0.0/16',
      '-interface',
      'utun7',
    ]);
    expect(routeArgs('delete', { cidr: 'fd00::/108', gateway: 'fd00::1' })).toEqual([
      '-n',
      'delete',
      '-inet6',
      '-net',
      'fd00::/108',
      'fd00::1',
    ]);
    expect(routeArgs('get', { cidr: '10.96.0.0/16', device: 'utun7' })).toEqual(['-n', 'get', '-net', '10.96.0.0/16']);
  });

  it('tells an exact route from the default route that `route get` always finds', () => {
    expect(isExactRoute(getDefault, '10.96.0.0/16')).toBe(false);
    expect(isExactRoute(getExisting, '10.96.0.0/16')).toBe(true);
    expect(isExactRoute(getExisting, '10.96.0.0/24')).toBe(false);
  });
});

describe('createRouteTable (macOS)', () => {
  it('checks, journals, then adds; undo deletes the same route', async () => {
    let journalAtAdd = '';
    const runner = recordingRunner((_c, args) => {
      if (args[1] === 'get') return { stdout: getDefault };
      if (args[1] === 'add') journalAtAdd = readFileSync(journal.path, 'utf8');
      return undefined;
    });
    const journal = newJournal(runner);
    await createRouteTable(runner, journal).add({ cidr: '10.96.0.0/16', device: 'utun7' });
    expect(JSON.parse(journalAtAdd).entries[0]).toMatchObject({
      state: 'applying',
      entry: { kind: 'route-added', cidr: '10.96.0.0/16', device: 'utun7' },
    });
    expect(await journal.undoAll()).toEqual([]);
    expect(runner.lines()).toEqual([
      'route -n get -net 10.96.0.0/16',
      'route -n add -net 10.96.0.0/16 -interface utun7',
      'route -n delete -net 10.96.0.0/16 -interface utun7',
    ]);
  });

  it("takes connect's loopback name `lo` as macOS's lo0", async () => {
    const runner = recordingRunner((_c, args) =>
      args[1] === 'get' ? { code: 1, stderr: 'route: writing to routing socket: not in table' } : undefined,
    );
    await createRouteTable(runner, newJournal(runner)).add({ cidr: '10.96.0.0/16', device: 'lo' });
    expect(runner.lines()[1]).toBe('route -n add -net 10.96.0.0/16 -interface lo0');
  });

  it('never touches the default route, and refuses a range already routed', async () => {
    const runner = recordingRunner(() => ({ stdout: getExisting }));
    const journal = newJournal(runner);
    const routes = createRouteTable(runner, journal);
    await expect(routes.add({ cidr: '0.0.0.0/0', device: 'utun7' })).rejects.toThrow(/default route/);
    await expect(routes.add({ cidr: '10.96.0.0/16', device: 'utun7' })).rejects.toMatchObject({ code: 'KT_ROUTE_EXISTS' });
    expect(runner.lines()).toEqual(['route -n get -net 10.96.0.0/16']);
    expect(journal.pending()).toEqual([]);
  });

  it('a route already gone counts as undone; another failure is reported', async () => {
    const gone = recordingRunner((_c, args) =>
      args[1] === 'delete' ? { code: 1, stderr: 'route: writing to routing socket: not in table' } : { stdout: getDefault },
    );
    const journal = newJournal(gone);
    await createRouteTable(gone, journal).add({ cidr: '10.96.0.0/16', device: 'utun7' });
    expect(await journal.undoAll()).toEqual([]);
    const denied = recordingRunner((_c, args) =>
      args[1] === 'delete' ? { code: 1, stderr: 'route: must be root to alter routing table' } : { stdout: getDefault },
    );
    const other = newJournal(denied);
    await createRouteTable(denied, other).add({ cidr: '10.96.0.0/16', device: 'utun7' });
    expect(await other.undoAll()).toEqual([expect.stringContaining('must be root')]);
  });
});
