import { describe, expect, it } from 'vitest';
import { Teardown } from './teardown.js';

describe('Teardown', () => {
  it('undoes in reverse order, runs every step despite failures, and only once', async () => {
    const done: string[] = [];
    const teardown = new Teardown();
    teardown.defer('shadow pod', () => void done.push('pod'));
    teardown.defer('routes', () => {
      throw new Error('ip route failed');
    });
    teardown.defer('dns', async () => void done.push('dns'));
    const [first, second] = await Promise.all([teardown.run(), teardown.run()]);
    expect(done).toEqual(['dns', 'pod']);
    expect(first).toEqual(['routes: ip route failed']);
    expect(second).toBe(first);
  });
});
