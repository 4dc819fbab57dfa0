import { describe, expect, it } from 'vitest';
import { expandName, labelCount, normalizeName, stripSearchDomains } from './names.js';

const search = ['team-a.svc.cluster.local', 'svc.cluster.local', 'cluster.local'];

describe('expandName', () => {
  it.each([
    ['web', ['web.team-a.svc.cluster.local', 'web']],
    ['web.team-b', ['web.team-b.svc.cluster.local', 'web.team-b.team-a.svc.cluster.local', 'web.team-b']],
    ['web.team-b.svc', ['web.team-b.svc', 'web.team-b.svc.svc.cluster.local', 'web.team-b.svc.cluster.local']],
    ['web.team-b.svc.cluster', ['web.team-b.svc.cluster', 'web.team-b.svc.cluster.cluster.local']],
    ['web.team-b.svc.cluster.local', ['web.team-b.svc.cluster.local']],
    ['www.example.com', ['www.example.com', 'www.example.com.svc.cluster.local', 'www.example.com.cluster.local']],
  ])('expands %s by its label count', (name, expected) => {
    expect(expandName(name, search)).toEqual(expected);
  });

  it('ignores a trailing dot and keeps the case asked', () => {
    expect(expandName('Web.', search)).toEqual(['Web.team-a.svc.cluster.local', 'Web']);
  });

  it('skips suffixes the search list lacks', () => {
    expect(expandName('web.ns', ['only.svc.cluster.local'])).toEqual(['web.ns.only.svc.cluster.local', 'web.ns']);
    expect(expandName('web', [])).toEqual(['web']);
  });
});

describe('stripSearchDomains', () => {
  const laptop = ['corp.example', 'example'];

  it('removes the first laptop domain the name ends with', () => {
    expect(stripSearchDomains('web.corp.example', laptop)).toBe('web');
    expect(stripSearchDomains('web.ns.corp.example.', laptop)).toBe('web.ns');
    expect(stripSearchDomains('Web.CORP.example', laptop)).toBe('Web');
  });

  it('leaves other names, the domain itself and partial-label matches alone', () => {
    expect(stripSearchDomains('web.ns.svc.cluster.local', laptop)).toBe('web.ns.svc.cluster.local');
    expect(stripSearchDomains('corp.example', laptop)).toBe('corp');
    expect(stripSearchDomains('example', laptop)).toBe('example');
    expect(stripSearchDomains('web.notexample', laptop)).toBe('web.notexample');
    expect(stripSearchDomains('web.corp.example', [])).toBe('web.corp.example');
  });
});

describe('labelCount / normalizeName', () => {
  it('counts labels and normalizes', () => {
    expect(labelCount('a.b.c.')).toBe(3);
    expect(labelCount('')).toBe(0);
    expect(normalizeName('A.B.')).toBe('a.b');
  });
});
