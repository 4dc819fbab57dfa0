import { describe, expect, it } from 'vitest';
import { formatKeyValues, invokingUser, parseKeyValues, randomLetters, shadowName, shadowRole } from './names.js';

describe('shadowName', () => {
  it('follows KtConnect’s names', () => {
    expect(shadowName({ kind: 'connect' }, 'abcde')).toBe('kt-connect-shadow-abcde');
    expect(shadowName({ kind: 'connect', shared: true })).toBe('kt-connect-shadow-daemon');
    expect(shadowName({ kind: 'exchange', service: 'web' }, 'qwert')).toBe('web-kt-exchange-qwert');
    expect(shadowName({ kind: 'mesh', service: 'web', version: 'v1' })).toBe('web-kt-mesh-v1');
    expect(shadowName({ kind: 'preview', name: 'demo' }, 'zzzzz')).toBe('demo-kt-zzzzz');
    expect(shadowRole({ kind: 'exchange', service: 'x' })).toBe('shadow-exchange');
  });

  it('uses five random lowercase letters', () => {
    const names = new Set(Array.from({ length: 50 }, () => randomLetters()));
    for (const n of names) expect(n).toMatch(/^[a-z]{5}$/);
    expect(names.size).toBeGreaterThan(45);
    expect(shadowName({ kind: 'connect' })).toMatch(/^kt-connect-shadow-[a-z]{5}$/);
  });
});

describe('invokingUser', () => {
  it('is SUDO_USER under sudo, else USER', () => {
    expect(invokingUser({ SUDO_USER: 'alice', USER: 'root' })).toBe('alice');
    expect(invokingUser({ SUDO_USER: 'root', USER: 'root' })).toBe('root');
    expect(invokingUser({ USER: 'bob' })).toBe('bob');
  });
});

describe('key=value lists', () => {
  it('round-trip and reject a part without =', () => {
    expect(parseKeyValues('a=1, b = x=y ,')).toEqual({ a: '1', b: 'x=y' });
    expect(formatKeyValues({ app: 'web', replicas: 2 })).toBe('app=web,replicas=2');
    expect(() => parseKeyValues('a', '--withLabel')).toThrow(
      expect.objectContaining({ code: 'KT_INVALID_FLAG', message: expect.stringContaining('--withLabel') }),
    );
  });
});
