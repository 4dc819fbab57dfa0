import { describe, expect, it } from 'vitest';
import { conflictingRoute, rulesAnnotations, storedRules, withRoute, withoutBackends, type RouterRuleSet } from './router-rules.js';

const rules: RouterRuleSet = {
  generation: 3,
  default: 'web-kt-stuntman',
  routes: [{ header: 'version', value: 'a', backend: 'web-kt-mesh-a', user: 'alice' }],
};

describe('router rules', () => {
  it('stores rules and the ref count together, and reads them back; unreadable ones are none', () => {
    const annotations = rulesAnnotations(rules);
    expect(annotations['kt-ref-count']).toBe('1');
    expect(storedRules(annotations)).toEqual(rules);
    expect(storedRules({ 'kt-router-rules': 'not json' })).toBeUndefined();
    expect(storedRules({ 'kt-router-rules': '{"generation":1}' })).toBeUndefined();
    expect(storedRules(undefined)).toBeUndefined();
  });

  it('finds a conflict by header in any case and exact value', () => {
    expect(conflictingRoute(rules, 'VERSION', 'a')?.user).toBe('alice');
    expect(conflictingRoute(rules, 'version', 'A')).toBeUndefined();
    expect(conflictingRoute(rules, 'x-dev', 'a')).toBeUndefined();
  });

  it('adds and removes routes one generation on; removing nothing changes nothing', () => {
    const two = withRoute(rules, { header: 'x-dev', value: 'a', backend: 'web-kt-mesh-a-xyzw', user: 'bob' });
    expect(two.generation).toBe(4);
    expect(two.routes.map((r) => r.user)).toEqual(['alice', 'bob']);
    expect(withRoute(two, { ...two.routes[0]!, value: 'b' }).routes.map((r) => r.value)).toEqual(['a', 'b']);
    expect(withoutBackends(two, ['web-kt-mesh-a'])).toMatchObject({ generation: 5, routes: [{ user: 'bob' }] });
    expect(withoutBackends(two, ['nope'])).toBe(two);
  });
});
