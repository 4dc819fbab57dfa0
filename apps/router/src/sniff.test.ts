import { describe, expect, it } from 'vitest';
import { classify } from './sniff.js';

const b = (s: string | number[]) => (typeof s === 'string' ? Buffer.from(s, 'latin1') : Buffer.from(s));

describe('classify', () => {
  it('knows HTTP/1 by its method, once the space after it arrives', () => {
    expect(classify(b('GET / HTTP/1.1\r\n'))).toBe('http1');
    expect(classify(b('POST '))).toBe('http1');
    expect(classify(b('PROPFIND /x'))).toBe('http1');
    expect(classify(b('GE'))).toBeUndefined();
  });

  it('waits for the whole HTTP/2 preface, which starts like a PRI request', () => {
    const preface = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';
    for (let n = 1; n < preface.length; n++) expect(classify(b(preface.slice(0, n))), String(n)).toBeUndefined();
    expect(classify(b(preface))).toBe('h2');
    expect(classify(b(`${preface}\x00\x00\x12\x04`))).toBe('h2');
  });

  it('passes through everything else as soon as it can tell', () => {
    expect(classify(b([0x16, 0x03, 0x01, 0x02, 0x00]))).toBe('other');
    expect(classify(b('SSH-2.0-OpenSSH_9.6\r\n'))).toBe('other');
    expect(classify(b('PING\r\n'))).toBe('other');
    expect(classify(b('FOO / HTTP/1.1'))).toBe('other');
    expect(classify(b('get / HTTP/1.1'))).toBe('other');
    expect(classify(b('PRI / HTTP/1.1'))).toBe('other');
    expect(classify(b('ABCDEFGHIJKLMNOPQRSTUVWXYZ'))).toBe('other');
  });
});
