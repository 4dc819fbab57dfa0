import { describe, expect, it } from 'vitest';
import { quantile, table } from './stats.js';

describe('benchmark statistics', () => {
  it('takes quantiles by nearest rank', () => {
    const samples = [5, 1, 4, 2, 3];
    expect(quantile(samples, 0.5)).toBe(3);
    expect(quantile(samples, 0.9)).toBe(5);
    expect(quantile(samples, 0)).toBe(1);
    expect(() => quantile([], 0.5)).toThrow('no samples');
  });

  it('aligns a table', () => {
    expect(
      table([
        { name: 'a', ms: 1.5 },
        { name: 'bbb', ms: 10 },
      ]),
    ).toBe('name  ms  \n----  ----\na     1.50\nbbb   10  ');
  });
});
