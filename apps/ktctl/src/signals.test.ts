import { afterEach, describe, expect, it, vi } from 'vitest';
import { abortOnSignals } from './main.js';

afterEach(() => vi.useRealTimers());

function setup() {
  vi.useFakeTimers();
  const exits: number[] = [];
  let err = '';
  const s = abortOnSignals((code) => exits.push(code), { write: (t) => (err += t) });
  return { ...s, exits, err: () => err };
}

describe('stop signals', () => {
  it('aborts on the first, ignores relayed duplicates, and insists on a later one', () => {
    const s = setup();
    s.onSignal('SIGINT');
    expect(s.signal.aborted).toBe(true);
    s.onSignal('SIGTERM'); // relayed by sudo or a shell within moments: the same stop
    expect(s.insist.aborted).toBe(false);
    vi.advanceTimersByTime(3_500);
    s.onSignal('SIGINT');
    expect(s.insist.aborted).toBe(true);
    expect(s.exits).toEqual([]);
    s.release();
  });

  it('gives an insisted command a few seconds, then stops it saying how to finish the cleanup', () => {
    const s = setup();
    s.onSignal('SIGINT');
    vi.advanceTimersByTime(3_500);
    s.onSignal('SIGINT');
    vi.advanceTimersByTime(4_000);
    expect(s.exits).toEqual([]);
    vi.advanceTimersByTime(1_500);
    expect(s.exits).toEqual([130]);
    expect(s.err()).toContain('run "ktctl clean"');
    s.release();
  });

  it('stops at once on a third signal (relayed copies of the second aside), and not at all once the command has returned', () => {
    const s = setup();
    s.onSignal('SIGINT');
    vi.advanceTimersByTime(3_500);
    s.onSignal('SIGINT');
    s.onSignal('SIGTERM'); // relayed copy of the second
    expect(s.exits).toEqual([]);
    vi.advanceTimersByTime(3_100);
    s.onSignal('SIGINT');
    expect(s.exits).toEqual([130]);
    s.release();
    vi.advanceTimersByTime(10_000);
    expect(s.exits).toEqual([130]);
  });
});
