import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';
import { startWithTeardown } from './teardown.js';
import { runUntilStopped } from './until-stopped.js';

function recorder() {
  const lines: string[] = [];
  return { lines, logger: createLogger('info', { write: (t) => void lines.push(t.trimEnd()) }) };
}

describe('startWithTeardown', () => {
  it('undoes what a failed start made, warns each failed undo, and rethrows', async () => {
    const { lines, logger } = recorder();
    const undone: string[] = [];
    const start = startWithTeardown(logger, async (teardown) => {
      teardown.defer('a', () => void undone.push('a'));
      teardown.defer('b', () => {
        throw new Error('gone');
      });
      throw new Error('boom');
    });
    await expect(start).rejects.toThrow('boom');
    expect(undone).toEqual(['a']);
    expect(lines).toEqual(['warn: while undoing a failed start: b: gone']);
  });

  it('hands back the result with a close that runs the teardown once', async () => {
    const undone: string[] = [];
    const started = await startWithTeardown(recorder().logger, async (teardown) => {
      teardown.defer('a', () => void undone.push('a'));
      return { name: 'x' };
    });
    expect(started.name).toBe('x');
    await Promise.all([started.close(), started.close()]);
    expect(undone).toEqual(['a']);
  });
});

describe('runUntilStopped', () => {
  it('says it is ready, waits for the signal, closes and names what will retry a failed step', async () => {
    const { lines, logger } = recorder();
    const stop = new AbortController();
    const running = runUntilStopped(
      { logger, signal: stop.signal },
      {
        ready: ['Up'],
        stopHint: 'Press Ctrl-C',
        closing: 'Closing…',
        close: async () => ['shadow x: 403'],
        retry: '"ktctl clean"',
        closed: 'Closed',
      },
    );
    await new Promise((r) => setImmediate(r));
    stop.abort();
    expect(await running).toBe(0);
    expect(lines).toEqual(['Up', 'Press Ctrl-C', 'Closing…', 'warn: cleanup: shadow x: 403; "ktctl clean" will retry', 'Closed']);
  });

  it('ends with exit code 1 when the failure promise resolves', async () => {
    const { logger } = recorder();
    expect(
      await runUntilStopped(
        { logger, signal: new AbortController().signal },
        { ready: [], stopHint: '', failed: Promise.resolve(), close: async () => [] },
      ),
    ).toBe(1);
  });

  it('runs a command instead of waiting, and returns its exit code', async () => {
    const { lines, logger } = recorder();
    expect(
      await runUntilStopped(
        { logger, signal: new AbortController().signal },
        { ready: ['Up'], stopHint: 'Press Ctrl-C', run: async () => 7, close: async () => [] },
      ),
    ).toBe(7);
    expect(lines).toEqual(['Up']);
  });
});
