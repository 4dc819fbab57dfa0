import { RouterRuleSetSchema } from '@ktctl/agent-contract';
import { describe, expect, it } from 'vitest';
import { RuleTable, RulesRejected, rulesFromAnnotations } from './rules.js';

const route = (header: string, value: string, backend: string, user = 'alice') => ({ header, value, backend, user });
const set = (generation: number, routes: ReturnType<typeof route>[] = []) => ({ generation, default: 'svc-kt-stuntman', routes });

describe('RuleTable', () => {
  it('matches header names case-insensitively and values exactly; no header goes to the default', () => {
    const table = new RuleTable(set(1, [route('X-Version', 'abc', 'svc-kt-mesh-abc'), route('x-dev', 'Bob', 'svc-kt-mesh-bob', 'bob')]));
    expect(table.pick({ 'x-version': 'abc' })).toBe('svc-kt-mesh-abc');
    expect(table.pick({ 'x-dev': 'Bob' })).toBe('svc-kt-mesh-bob');
    expect(table.pick({ 'x-dev': 'bob' })).toBe('svc-kt-stuntman');
    expect(table.pick({ 'x-version': 'abcd' })).toBe('svc-kt-stuntman');
    expect(table.pick({ 'x-version': ['abc', 'abc'] })).toBe('svc-kt-stuntman');
    expect(table.pick({})).toBe('svc-kt-stuntman');
  });

  it('applies only a higher generation, and only a valid one', () => {
    const changes: number[] = [];
    const table = new RuleTable(set(3), (r) => changes.push(r.generation));
    expect(() => table.apply(set(3, [route('x-version', 'a', 'm')]), 'test')).toThrow(expect.objectContaining({ status: 409 }));
    expect(() => table.apply({ ...set(4), extra: 1 }, 'test')).toThrow(expect.objectContaining({ status: 400 }));
    expect(() => table.apply(set(4, [route('x-version', 'a', 'UPPER')]), 'test')).toThrow(RulesRejected);
    table.apply(set(4, [route('x-version', 'a', 'svc-kt-mesh-a')]), 'test');
    expect(changes).toEqual([4]);
    expect(table.pick({ 'x-version': 'a' })).toBe('svc-kt-mesh-a');
  });
});

describe('RouterRuleSetSchema', () => {
  it('refuses the same header and value twice, whatever the case of the name, naming the first owner', () => {
    const result = RouterRuleSetSchema.safeParse(
      set(1, [route('x-version', 'a', 'svc-kt-mesh-a', 'alice'), route('X-VERSION', 'a', 'svc-kt-mesh-a2', 'bob')]),
    );
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]).toMatchObject({ path: ['routes', 1], message: expect.stringMatching(/route 0 \(user alice\)/) });
  });

  it('allows several developers on different keys or values', () => {
    expect(
      RouterRuleSetSchema.safeParse(set(1, [route('x-version', 'a', 'm-a'), route('x-version', 'b', 'm-b'), route('x-dev', 'a', 'm-c')]))
        .success,
    ).toBe(true);
  });

  it('refuses header names and values that cannot be sent', () => {
    for (const bad of [
      route('x version', 'a', 'm'),
      route('x-version', ' a', 'm'),
      route('x-version', '', 'm'),
      route('x-version', 'a\n', 'm'),
    ]) {
      expect(RouterRuleSetSchema.safeParse(set(1, [bad])).success, JSON.stringify(bad)).toBe(false);
    }
  });
});

describe('rulesFromAnnotations', () => {
  it('finds the rules annotation, or nothing', () => {
    expect(rulesFromAnnotations(`kt-router-rules=${JSON.stringify(JSON.stringify(set(2)))}`)).toEqual(set(2));
    expect(rulesFromAnnotations('kt-ref-count="1"')).toBeUndefined();
    expect(() => rulesFromAnnotations('kt-router-rules="{"')).toThrow(/not JSON/);
  });
});
