import { describe, expect, it } from 'vitest';
import { headerExample, meshObjectName, meshSuffix, parseVersionMark } from './version-mark.js';

describe('--versionMark', () => {
  it('takes value, key: and key:value, with KtConnect defaults', () => {
    expect(parseVersionMark('abc', 'auto')).toEqual({ key: 'version', value: 'abc' });
    expect(parseVersionMark('x-dev:', 'auto', () => 'qwert')).toEqual({ key: 'x-dev', value: 'qwert' });
    expect(parseVersionMark('x-dev:alice', 'auto')).toEqual({ key: 'x-dev', value: 'alice' });
    expect(parseVersionMark(undefined, 'auto', () => 'zzzzz')).toEqual({ key: 'version', value: 'zzzzz' });
    expect(parseVersionMark('', 'auto').value).toMatch(/^[a-z]{5}$/);
    expect(headerExample({ key: 'x-dev', value: 'alice' })).toBe('x-dev: alice');
  });

  it('refuses a key that is no header name, a manual key that is no label key, and a value unfit for names', () => {
    expect(() => parseVersionMark('bad key:v', 'auto')).toThrow(
      expect.objectContaining({ code: 'KT_INVALID_FLAG', message: expect.stringMatching(/not a valid HTTP header name/) }),
    );
    expect(() => parseVersionMark("x'y:v", 'manual')).toThrow(/also a label key/);
    expect(parseVersionMark("x'y:v", 'auto').key).toBe("x'y");
    expect(() => parseVersionMark('version:Alice', 'auto')).toThrow(/lowercase letters, digits and inner dashes/);
    expect(() => parseVersionMark('version:-a', 'auto')).toThrow(/lowercase/);
  });

  it('names objects by the value for the default key, and adds 4 letters of the key otherwise, so keys never share names', () => {
    expect(meshSuffix({ key: 'version', value: 'abc' })).toBe('abc');
    expect(meshSuffix({ key: 'Version', value: 'abc' })).toBe('abc');
    const other = meshSuffix({ key: 'x-dev', value: 'abc' });
    expect(other).toMatch(/^abc-[a-z]{4}$/);
    expect(meshSuffix({ key: 'X-Dev', value: 'abc' })).toBe(other);
    expect(meshSuffix({ key: 'x-team', value: 'abc' })).not.toBe(other);
    expect(meshObjectName('web', { key: 'version', value: 'abc' })).toBe('web-kt-mesh-abc');
    expect(() => meshObjectName('w'.repeat(40), { key: 'version', value: 'a'.repeat(20) })).toThrow(/longer than the 63 characters/);
  });
});
