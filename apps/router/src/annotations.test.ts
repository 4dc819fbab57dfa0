import { describe, expect, it } from 'vitest';
import { formatAnnotations, parseAnnotations, unquoteGo } from './annotations.js';

describe('downward-API annotations file', () => {
  it('parses the kubelet format (Go %q values), JSON with quotes and newlines included', () => {
    const json = JSON.stringify({ generation: 2, note: 'a "b"\nc\\d' });
    const text = `kt-ref-count="2"\nkt-router-rules=${JSON.stringify(json)}\nkubernetes.io/config.seen="2026-12-03T07:00:00.000Z"`;
    const map = parseAnnotations(text);
    expect(map.get('kt-ref-count')).toBe('2');
    expect(JSON.parse(map.get('kt-router-rules')!)).toEqual({ generation: 2, note: 'a "b"\nc\\d' });
    expect(map.size).toBe(3);
  });

  it('undoes every escape Go may write', () => {
    expect(unquoteGo('"\\a\\b\\f\\n\\r\\t\\v\\\\\\""')).toBe('\x07\b\f\n\r\t\v\\"');
    expect(unquoteGo('"\\x41\\u00e9\\U0001F600\\101 é"')).toBe('Aé😀A é');
    expect(unquoteGo('"\\xc3\\xa9"')).toBe('é');
  });

  it('rejects what is not one Go string', () => {
    for (const bad of ['abc', '"abc', '"a"b"', '"\\q"', '"\\x4"', '"\\u12"']) expect(unquoteGo(bad), bad).toBeUndefined();
  });

  it('round-trips through its own formatter', () => {
    const annotations = { b: 'x\ny\t"z"\x01', a: '{"k":"v"}' };
    expect(Object.fromEntries(parseAnnotations(formatAnnotations(annotations)))).toEqual(annotations);
  });
});
