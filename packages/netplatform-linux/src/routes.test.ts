import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Journal, recordingRunner } from '@ktctl/netplatform';
import { describe, expect, it } from 'vitest';
import { tempDir } from '@ktctl/netplatform/testing';
import { normalizeCidr } from '@ktctl/netplatform';
import { createRouteTable, ipRouteArgs, routeUndoers } from './routes.js';

const newJournal = (runner: Parameters<typeof routeUndoers>[0]) =>
  Journal.create(tempDir('kt-routes-'), { pid: 1, command: 'connect' }, routeUndoers(runner));

describe('normalizeCidr', () => {
  it('adds /32 or /128 to a bare address and rejects junk', () => {
    expect(normalizeCidr('10.96.0.1')).toBe('10.96.0.1/32');
    expect(normalizeCidr('fd00::1')).toBe('fd00::1/128');
    expect(normalizeCidr(' 10.96.0.0/12 ')).toBe('10.96.0.0/12');
    expect(() => normalizeCidr('10.96.0.0/33')).toThrow();
    expect(() => normalizeCidr('example.com')).toThrow();
  });
});

describe('ipRouteArgs', () => {
  it('builds ip route commands for IPv4 and IPv6', () => {
    expect(ipRouteArgs('add', { cidr: '10.96.0.0/16', device: 'kt0' })).toEqual(['route', 'add', '10.96.0.0/16', 'dev', 'kt0']);
    expect(ipRouteArgs('del', { cidr: 'fd00::/108', gateway: 'fd00::1' })).toEqual(['-6', 'route', 'del', 'fd00::/108', 'via', 'fd00::1']);
    expect(ipRouteArgs('show', { cidr: '10.96.0.0/16', device: 'kt0' })).toEqual(['route', 'show', 'exact', '10.96.0.0/16']);
  });
});

describe('createRouteTable', () => {
  it('journals the route before adding it, and close undoes it with ip route del', async () => {
    let journalAtAdd = '';
    const runner = recordingRunner((_cmd, args) => {
      if (args[1] === 'add') journalAtAdd = readFileSync(journal.path, 'utf8');
      return undefined;
    });
    const journal = newJournal(runner);
    await createRouteTable(runner, journal).add({ cidr: '10.96.0.0/16', device: 'kt0' });
    expect(JSON.parse(journalAtAdd).entries[0]).toMatchObject({
      state: 'applying',
      entry: { kind: 'route-added', cidr: '10.96.0.0/16', device: 'kt0' },
    });
    expect(await journal.undoAll()).toEqual([]);
    expect(runner.lines()).toEqual([
      'ip route show exact 10.96.0.0/16',
      'ip route add 10.96.0.0/16 dev kt0',
      'ip route del 10.96.0.0/16 dev kt0',
    ]);
  });

  it('never touches the default route', async () => {
    const runner = recordingRunner();
    const routes = createRouteTable(runner, newJournal(runner));
    await expect(routes.add({ cidr: '0.0.0.0/0', device: 'kt0' })).rejects.toThrow(/default route/);
    await expect(routes.add({ cidr: '::/0', gateway: 'fd00::1' })).rejects.toThrow(/default route/);
    expect(runner.calls).toEqual([]);
  });

  it('refuses a route that already exists, without journaling it (it is not ours to remove)', async () => {
    const runner = recordingRunner((_c, args) => (args[1] === 'show' ? { stdout: '10.96.0.0/16 dev tun0 scope link\n' } : undefined));
    const journal = newJournal(runner);
    await expect(createRouteTable(runner, journal).add({ cidr: '10.96.0.0/16', device: 'kt0' })).rejects.toMatchObject({
      code: 'KT_ROUTE_EXISTS',
    });
    expect(journal.pending()).toEqual([]);
  });

  it('remove() deletes only the matching route; a route already gone counts as undone', async () => {
    const runner = recordingRunner((_c, args) =>
      args[1] === 'del' ? { code: 2, stderr: 'RTNETLINK answers: No such process' } : undefined,
    );
    const journal = newJournal(runner);
    const routes = createRouteTable(runner, journal);
    await routes.add({ cidr: '10.96.0.0/16', device: 'kt0' });
    await routes.add({ cidr: '10.244.0.0/16', device: 'kt0' });
    await routes.remove({ cidr: '10.96.0.0/16', device: 'kt0' });
    expect(journal.pending()).toMatchObject([{ cidr: '10.244.0.0/16' }]);
  });

  it('reports a route that cannot be deleted for another reason', async () => {
    const runner = recordingRunner((_c, args) => (args[1] === 'del' ? { code: 2, stderr: 'Operation not permitted' } : undefined));
    const journal = newJournal(runner);
    await createRouteTable(runner, journal).add({ cidr: '10.96.0.0/16', device: 'kt0' });
    expect(await journal.undoAll()).toEqual([expect.stringContaining('Operation not permitted')]);
  });
});
