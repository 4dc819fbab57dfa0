import { describe, expect, it } from 'vitest';
import { restoreFailed } from './errors.js';

describe('restoreFailed', () => {
  it('names what could not be undone and how to retry, the sudo way by default or as the OS needs', () => {
    expect(restoreFailed(['route 10.96.0.0/16: busy'])).toMatchObject({
      code: 'KT_RESTORE_FAILED',
      message: 'could not undo every laptop change: route 10.96.0.0/16: busy',
      hint: 'run `sudo ktctl clean` to retry; the journal under ~/.kt/journal keeps what is left to undo',
    });
    expect(restoreFailed(['x'], 'run `ktctl clean` from an Administrator terminal').hint).toBe(
      'run `ktctl clean` from an Administrator terminal to retry; the journal under ~/.kt/journal keeps what is left to undo',
    );
  });
});
