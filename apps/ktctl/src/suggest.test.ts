import { describe, expect, it } from 'vitest';
import { closest, editDistance } from './suggest.js';

describe('suggestions', () => {
  it('measures edits, counting a swap of neighbours as one', () => {
    expect(editDistance('connect', 'connect')).toBe(0);
    expect(editDistance('conect', 'connect')).toBe(1);
    expect(editDistance('exhcange', 'exchange')).toBe(1);
  });

  it('suggests the closest name only when it is close', () => {
    expect(closest('namspace', ['namespace', 'kubeconfig'])).toBe('namespace');
    expect(closest('shwo', ['show', 'set', 'get'])).toBe('show');
    expect(closest('birdseye', ['connect', 'config'])).toBeUndefined();
  });
});
