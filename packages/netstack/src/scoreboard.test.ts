import { describe, expect, it } from 'vitest';
import { Scoreboard } from './scoreboard.js';

describe('the SACK scoreboard', () => {
  it('merges blocks, finds holes, counts SACKed bytes, and forgets what the ACK covers, across 2^32', () => {
    const base = 0xfffff000;
    const at = (n: number) => (base + n) >>> 0;
    const board = new Scoreboard();
    board.update([[at(3000), at(4000)]], at(0), at(10_000));
    board.update(
      [
        [at(6000), at(7000)],
        [at(4000), at(5000)],
      ],
      at(0),
      at(10_000),
    );
    board.update([[at(9000), at(12_000)]], at(0), at(10_000)); // clipped to what was sent
    expect(board.describe()).toBe(`SACKed ${at(3000)}-${at(5000)} ${at(6000)}-${at(7000)} ${at(9000)}-${at(10_000)}`);
    expect(board.nextHole(at(0), 1460)).toEqual([at(0), 1460]);
    expect(board.nextHole(at(2000), 1460)).toEqual([at(2000), 1000]);
    expect(board.nextHole(at(3500), 1460)).toEqual([at(5000), 1000]);
    expect(board.nextHole(at(9500), 1460)).toBeUndefined();
    expect(board.sackedBelow(at(6500))).toBe(2500);
    expect(board.sackedUpTo(at(4500))).toBe(at(5000));
    expect(board.nextSacked(at(5000))).toBe(at(6000));
    expect(board.highest).toBe(at(10_000));
    board.advance(at(4500));
    expect(board.sackedBelow(at(10_000))).toBe(2500);
    board.advance(at(10_000));
    expect(board.empty).toBe(true);
  });
});
