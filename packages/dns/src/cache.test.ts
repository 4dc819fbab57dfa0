import { describe, expect, it } from 'vitest';
import { TtlCache } from './cache.js';

function clock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('TtlCache', () => {
  it('serves an entry until its TTL passes and reports its age', () => {
    const time = clock();
    const cache = new TtlCache<string, number>({ now: time.now });
    cache.set('a', 1, 10);
    time.advance(3_500);
    expect(cache.get('a')).toEqual({ value: 1, ageSeconds: 3 });
    time.advance(6_500);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('stores nothing for a zero TTL', () => {
    const cache = new TtlCache<string, number>();
    cache.set('a', 1, 0);
    expect(cache.get('a')).toBeUndefined();
  });

  it('drops expired entries first, then the oldest, when full', () => {
    const time = clock();
    const cache = new TtlCache<string, number>({ now: time.now, maxEntries: 2 });
    cache.set('short', 1, 1);
    cache.set('old', 2, 100);
    time.advance(2_000);
    cache.set('new', 3, 100);
    expect([cache.get('short'), cache.get('old')?.value, cache.get('new')?.value]).toEqual([undefined, 2, 3]);
    cache.set('newest', 4, 100);
    expect([cache.get('old'), cache.get('new')?.value, cache.get('newest')?.value]).toEqual([undefined, 3, 4]);
  });

  it('refreshes an entry set again', () => {
    const time = clock();
    const cache = new TtlCache<string, number>({ now: time.now });
    cache.set('a', 1, 5);
    time.advance(4_000);
    cache.set('a', 2, 5);
    time.advance(4_000);
    expect(cache.get('a')).toEqual({ value: 2, ageSeconds: 4 });
  });
});
