import { Duplex, PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { HeldFinStream, QUIET_CLOSE_MS } from './held-fin.js';

/** A fake port-forward: what we write is recorded; `answer` is what the pod sends. */
function fakeForward() {
  const written: string[] = [];
  const answer = new PassThrough();
  let destroyed = false;
  const inner = new Duplex({
    read() {},
    write(chunk: Buffer, _e, done) {
      written.push(chunk.toString());
      done();
    },
    final(done) {
      written.push('<FIN>');
      done();
    },
    destroy(error, done) {
      destroyed = true;
      done(error);
    },
  });
  answer.on('data', (d: Buffer) => inner.push(d));
  answer.on('end', () => inner.push(null));
  return { inner, written, answer, destroyed: () => destroyed };
}

describe('HeldFinStream', () => {
  it("keeps the port-forward open after the laptop's FIN, so the whole answer arrives; then closes it", async () => {
    const f = fakeForward();
    const stream = new HeldFinStream(f.inner);
    let got = '';
    stream.on('data', (d: Buffer) => (got += d.toString()));
    stream.end('request');
    await new Promise((r) => setImmediate(r));
    expect(f.written).toEqual(['request']);
    expect(f.destroyed()).toBe(false);
    f.answer.end('the answer');
    await new Promise((r) => stream.once('close', r));
    expect(got).toBe('the answer');
    expect(f.destroyed()).toBe(true);
  });

  it('closes the port-forward once the pod stays quiet after the FIN (an echo server waits for it)', async () => {
    const f = fakeForward();
    const stream = new HeldFinStream(f.inner);
    stream.resume();
    stream.end('bye');
    f.answer.write('still talking');
    await new Promise((r) => setTimeout(r, 300));
    expect(f.written).toEqual(['bye']);
    await new Promise((r) => setTimeout(r, QUIET_CLOSE_MS + 100));
    expect(f.written).toEqual(['bye', '<FIN>']);
    stream.destroy();
  });
});
