import { describe, expect, it } from 'vitest';
import { hostNames, hostsEntries } from './hosts-entries.js';
import type { WatchedService } from './watched-service.js';

const naming = { namespace: 'team-a', clusterDomain: 'cluster.local' };
const service = (name: string, namespace: string, extra: Partial<WatchedService> = {}): WatchedService => ({
  name,
  namespace,
  clusterIP: '10.96.0.10',
  headless: false,
  ports: [{ port: 80 }],
  ...extra,
});

describe('hostNames', () => {
  it('gives the bare name only in the connect namespace', () => {
    expect(hostNames({ name: 'web', namespace: 'team-a' }, naming)).toEqual(['web', 'web.team-a', 'web.team-a.svc.cluster.local']);
    expect(hostNames({ name: 'web', namespace: 'team-b' }, { ...naming, clusterDomain: 'kube.example.' })).toEqual([
      'web.team-b',
      'web.team-b.svc.kube.example',
    ]);
  });
});

describe('hostsEntries', () => {
  it('maps ClusterIP Services (selector or not) to their ClusterIP, sorted', () => {
    const { entries, skipped } = hostsEntries(
      [service('web', 'team-b', { clusterIP: '10.96.0.2' }), service('api', 'team-a', { clusterIP: '10.96.0.1' })],
      naming,
    );
    expect(entries).toEqual([
      { ip: '10.96.0.1', names: ['api', 'api.team-a', 'api.team-a.svc.cluster.local'] },
      { ip: '10.96.0.2', names: ['web.team-b', 'web.team-b.svc.cluster.local'] },
    ]);
    expect(skipped).toEqual([]);
  });

  it('maps a headless Service to each ready pod IP when the watcher gives them, else skips it', () => {
    const { entries, skipped } = hostsEntries(
      [
        service('db', 'team-a', { headless: true, clusterIP: 'None', endpoints: ['10.1.0.5', '10.1.0.4', '10.1.0.4'] }),
        service('cache', 'team-a', { headless: true, clusterIP: 'None' }),
        service('empty', 'team-a', { headless: true, clusterIP: 'None', endpoints: [] }),
      ],
      naming,
    );
    expect(entries.map((e) => `${e.ip} ${e.names[0]}`)).toEqual(['10.1.0.4 db', '10.1.0.5 db']);
    expect(skipped.map((s) => s.service)).toEqual(['team-a/cache', 'team-a/empty']);
  });

  it('skips ExternalName Services and Services without a ClusterIP yet', () => {
    const { entries, skipped } = hostsEntries(
      [service('ext', 'team-a', { type: 'ExternalName', clusterIP: '' }), service('pending', 'team-a', { clusterIP: '' })],
      naming,
    );
    expect(entries).toEqual([]);
    expect(skipped.map((s) => s.reason)).toEqual(['ExternalName Service (a CNAME, not an address)', 'no ClusterIP yet']);
  });
});
