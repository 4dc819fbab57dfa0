import { describe, expect, it } from 'vitest';
import { FrameDecoder } from './decoder.js';
import { encodeFrame, FrameError, FrameKind } from './frame.js';

const frames = [
  encodeFrame({ kind: FrameKind.Datagram, flow: 1, address: '127.0.0.1', port: 9, payload: Buffer.from('first') }),
  encodeFrame({ kind: FrameKind.CloseFlow, flow: 2 }),
  encodeFrame({ kind: FrameKind.Datagram, flow: 3, address: '::1', port: 10, payload: Buffer.alloc(1000, 5) }),
];
const stream = Buffer.concat(frames);

describe('FrameDecoder', () => {
  it('decodes several frames arriving in one chunk', () => {
    const decoded = new FrameDecoder().push(stream);
    expect(decoded.map((f) => f.flow)).toEqual([1, 2, 3]);
  });

  it('decodes the same frames whatever the chunk boundaries', () => {
    for (const size of [1, 2, 3, 7, 64, 999]) {
      const decoder = new FrameDecoder();
      const out = [];
      for (let at = 0; at < stream.length; at += size) out.push(...decoder.push(stream.subarray(at, at + size)));
      expect(out.map((f) => f.flow)).toEqual([1, 2, 3]);
      expect(out[2]).toMatchObject({ payload: Buffer.alloc(1000, 5) });
      expect(decoder.buffered).toBe(0);
    }
  });

  it('keeps only the incomplete tail buffered', () => {
    const decoder = new FrameDecoder();
    expect(decoder.push(stream.subarray(0, frames[0]!.length + 3))).toHaveLength(1);
    expect(decoder.buffered).toBe(3);
  });

  it('does not let a payload alias the caller-owned chunk', () => {
    const chunk = Buffer.from(frames[0]!);
    const [frame] = new FrameDecoder().push(chunk);
    chunk.fill(0);
    expect(frame).toMatchObject({ payload: Buffer.from('first') });
  });

  it('throws on a malformed frame', () => {
    expect(() => new FrameDecoder().push(Buffer.from('00050900000001', 'hex'))).toThrow(FrameError);
  });
});
