import { describe, expect, it } from 'vitest';
import { classifyName, clusterQueryName, sourcesFor } from './name-policy.js';

const options = { clusterDomain: 'cluster.local', searchDomains: ['corp.example'] };
const kind = (name: string) => classifyName(name, options);

describe('classifyName', () => {
  it('cluster-only: one label, *.svc, *.pod and anything under the cluster domain', () => {
    expect(kind('web')).toBe('cluster');
    expect(kind('web.team-b.svc')).toBe('cluster');
    expect(kind('db-0.db.team-b.svc')).toBe('cluster');
    expect(kind('10-0-0-1.team-b.pod')).toBe('cluster');
    expect(kind('Web.Team-B.svc.Cluster.Local.')).toBe('cluster');
    expect(kind('cluster.local')).toBe('cluster');
  });

  it('honours a custom cluster domain', () => {
    expect(classifyName('a.b.c.d.kube.example', { clusterDomain: 'kube.example', searchDomains: [] })).toBe('cluster');
    expect(classifyName('a.b.c.d.cluster.local', { clusterDomain: 'kube.example', searchDomains: [] })).toBe('external');
  });

  it('either: svc.ns, pod.svc.ns and external names of the same shape (google.dev)', () => {
    expect(kind('web.team-b')).toBe('either');
    expect(kind('google.dev')).toBe('either');
    expect(kind('db-0.db.team-b')).toBe('either');
    expect(kind('www.example.com')).toBe('either');
    expect(kind('1.0.0.10.in-addr.arpa')).toBe('either');
  });

  it('external: four labels and more that do not end in svc or the cluster domain', () => {
    expect(kind('a.b.example.com')).toBe('external');
    expect(kind('.')).toBe('external');
  });

  it('a laptop search domain turns a cluster-only name into either, never into cluster-only', () => {
    expect(kind('web.corp.example')).toBe('either');
    expect(kind('web.team-b.svc.corp.example')).toBe('either');
    expect(kind('web.team-b.corp.example')).toBe('either');
    expect(kind('a.b.c.d.corp.example')).toBe('external');
  });
});

describe('sourcesFor', () => {
  it('cluster-only names go to the cluster whatever the order', () => {
    expect(sourcesFor('cluster', ['upstream', 'cluster'])).toEqual(['cluster']);
  });

  it('either follows the order; external asks the upstream first', () => {
    expect(sourcesFor('either', ['cluster', 'upstream'])).toEqual(['cluster', 'upstream']);
    expect(sourcesFor('either', ['upstream', 'cluster'])).toEqual(['upstream', 'cluster']);
    expect(sourcesFor('external', ['cluster', 'upstream'])).toEqual(['upstream', 'cluster']);
    expect(sourcesFor('external', ['cluster'])).toEqual(['cluster']);
  });
});

describe('clusterQueryName', () => {
  it('asks a name that may be a Service as that Service', () => {
    expect(clusterQueryName('web.dev', options)).toBe('web.dev.svc.cluster.local');
    expect(clusterQueryName('www.google.com.', options)).toBe('www.google.com.svc.cluster.local');
  });
  it('leaves cluster-only, reverse, search-domain and long names as they are', () => {
    expect(clusterQueryName('web', options)).toBe('web');
    expect(clusterQueryName('web.dev.svc', options)).toBe('web.dev.svc');
    expect(clusterQueryName('web.dev.svc.cluster.local', options)).toBe('web.dev.svc.cluster.local');
    expect(clusterQueryName('10.0.96.10.in-addr.arpa', options)).toBe('10.0.96.10.in-addr.arpa');
    expect(clusterQueryName('web.corp.example', options)).toBe('web.corp.example');
    expect(clusterQueryName('a.b.c.d.example', options)).toBe('a.b.c.d.example');
  });
});
