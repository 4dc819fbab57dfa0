import { describe, expect, it } from 'vitest';
import { run, startBackground } from './exec.js';
import { namespaceName } from './namespace.js';
import { waitFor } from './wait.js';

describe('waitFor', () => {
  it('returns the first truthy value of the probe', async () => {
    let n = 0;
    expect(await waitFor(() => (++n >= 3 ? `done after ${n}` : undefined), { intervalMs: 1 })).toBe('done after 3');
  });

  it('gives up after its bound and keeps the last error as the cause', async () => {
    const err = await waitFor(
      () => {
        throw new Error('still broken');
      },
      { timeoutMs: 50, intervalMs: 10, what: 'the thing' },
    ).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe('timed out after 50 ms waiting for the thing');
    expect(((err as Error).cause as Error).message).toBe('still broken');
  });
});

describe('run and startBackground', () => {
  it('kills a command at its time limit and says so', async () => {
    const r = await run('sleep', ['5'], { timeoutMs: 100 });
    expect(r).toMatchObject({ code: null, timedOut: true });
  });

  it('stops a background process group', async () => {
    const bg = startBackground('sh', ['-c', 'echo ready; sleep 30']);
    await bg.waitForOutput(/ready/, 5_000);
    await bg.stop(1_000);
    expect(() => process.kill(bg.pid, 0)).toThrow();
  });
});

describe('namespaceName', () => {
  it('is a valid, unique Kubernetes name derived from the test file', () => {
    const a = namespaceName('/x/tests/Kube/Port_Forward.test.ts');
    expect(a).toMatch(/^kte2e-port-forward-[0-9a-f]{6}$/);
    expect(a).not.toBe(namespaceName('/x/tests/Kube/Port_Forward.test.ts'));
    expect(namespaceName(`${'x'.repeat(80)}.test.ts`).length).toBeLessThanOrEqual(63);
  });
});
