import { describe, expect, it } from 'vitest';
import { FrameReader, frameMessage } from './tcp-frames.js';

describe('DNS-over-TCP framing', () => {
  it('prefixes the length', () => {
    expect([...frameMessage(Buffer.from([1, 2, 3]))]).toEqual([0, 3, 1, 2, 3]);
  });

  it('reassembles messages split and joined across chunks', () => {
    const bytes = Buffer.concat([frameMessage(Buffer.from('hello')), frameMessage(Buffer.alloc(0)), frameMessage(Buffer.from('world!'))]);
    const reader = new FrameReader();
    const got: string[] = [];
    for (let i = 0; i < bytes.length; i += 3) got.push(...reader.push(bytes.subarray(i, i + 3)).map((m) => m.toString()));
    expect(got).toEqual(['hello', '', 'world!']);
    expect(reader.pending).toBe(0);
  });

  it('keeps an unfinished message until the rest arrives', () => {
    const reader = new FrameReader();
    expect(reader.push(Buffer.from([0, 4, 0x61]))).toEqual([]);
    expect(reader.pending).toBe(3);
    expect(reader.push(Buffer.from('bcd')).map((m) => m.toString())).toEqual(['abcd']);
  });

  it('refuses a message too long for the prefix', () => {
    expect(() => frameMessage(Buffer.alloc(0x10000))).toThrow(RangeError);
  });
});
