// A laptop that slept: ktctl stopped (SIGSTOP) while another user's `ktctl clean` judged its objects
// stale and removed them (a zero threshold stands in for a stop longer than the real one), then resumed
// (SIGCONT). ktctl notices, recreates them, says "reconnected" and serves again; an exchange points the
// Service back at its shadow, or, if someone else took the Service meanwhile, says so and ends, leaving
// theirs alone. A short stop that nobody's clean noticed resumes without a word.
import { beforeAll, describe, expect, it } from 'vitest';
import { waitFor, type Background } from '../../harness/index.js';
import { ktObjects, ktctl, ktctlEnv, startConnect } from '../connect/ktctl.js';
import { endExchange, startExchange, waitNoneMade } from '../exchange/support.js';
import { httpFromPod, serviceObject, useExchangeFile, waitForHttp } from '../exchange/workloads.js';

const { cluster, laptop, httpPort, ns: namespace } = useExchangeFile(import.meta.filename);
let ns: string;
beforeAll(() => {
  ns = namespace();
});
const proxyPort = 25_000 + Math.floor(Math.random() * 2_000);

/** Another user's clean: everything silent for more than `minutes` goes (0: all of it, as after a long sleep). */
async function othersClean(minutes: number): Promise<string> {
  const { args, env } = ktctlEnv(cluster);
  const r = await ktctl(laptop, ['clean', ...args, '-n', ns, '--thresholdInMinus', String(minutes)], { ...env, USER: 'carol' });
  expect(r.code, r.stderr).toBe(0);
  return r.stderr;
}

/** What the run said since `from` (an offset into its output). */
const since = (run: Background, from: number) => run.output().slice(from);

async function sleepThrough<T>(run: Background, meanwhile: () => Promise<T>): Promise<{ offset: number; result: T }> {
  process.kill(run.pid, 'SIGSTOP');
  try {
    const result = await meanwhile();
    return { offset: run.output().length, result };
  } finally {
    process.kill(run.pid, 'SIGCONT');
  }
}

const viaProxy = async () =>
  (await laptop.run('curl', ['-sS', '--max-time', '5', '-x', `socks5h://127.0.0.1:${proxyPort}`, `http://echo.${ns}/`])).stdout;

describe('connect after the laptop slept', () => {
  it('a stop nobody noticed: resumes without a word and serves', async () => {
    const { args, env } = ktctlEnv(cluster);
    const connect = await startConnect(laptop, [...args, '-n', ns, '--disableTunDevice', '--proxyPort', String(proxyPort)], env);
    try {
      expect(await viaProxy()).toMatch(/^hello from echo-/);
      const pods = await ktObjects(cluster, ns);
      const { offset, result } = await sleepThrough(connect, async () => {
        await new Promise((r) => setTimeout(r, 10_000));
        return othersClean(5);
      });
      expect(result).toMatch(/Nothing stale/);
      await waitFor(async () => /^hello from echo-/.test(await viaProxy()), { timeoutMs: 10_000, what: 'the proxy to answer' });
      await new Promise((r) => setTimeout(r, 3_000));
      expect(since(connect, offset)).toBe('');
      expect(await ktObjects(cluster, ns)).toEqual(pods);
    } finally {
      await connect.stop(20_000);
    }
    await waitNoneMade(cluster, ns);
  });

  it('its objects cleaned away meanwhile: recreates them, says "reconnected", serves again', async () => {
    const { args, env } = ktctlEnv(cluster);
    const connect = await startConnect(laptop, [...args, '-n', ns, '--disableTunDevice', '--proxyPort', String(proxyPort)], env);
    try {
      const made = await ktObjects(cluster, ns);
      expect(made.length).toBeGreaterThanOrEqual(2);
      const { offset } = await sleepThrough(connect, async () => {
        expect(await othersClean(0)).toMatch(/Done: delete/);
        await waitFor(async () => (await ktObjects(cluster, ns)).length === 0, { timeoutMs: 30_000, what: 'the cleaned objects to go' });
      });
      await waitFor(async () => /reconnected/.test(since(connect, offset)), {
        timeoutMs: 90_000,
        what: `"reconnected" (said: ${since(connect, offset)})`,
      });
      expect((await ktObjects(cluster, ns)).sort()).toEqual([...made].sort());
      await waitFor(async () => /^hello from echo-/.test(await viaProxy()), { timeoutMs: 30_000, what: 'the proxy to answer again' });
      expect(since(connect, offset)).not.toMatch(/error|KT_/);
    } finally {
      await connect.stop(20_000);
    }
    await waitNoneMade(cluster, ns);
  });
});

describe('exchange after the laptop slept', () => {
  it('its redirect and shadow cleaned away meanwhile: both come back, traffic reaches the laptop again', async () => {
    const { args, env } = ktctlEnv(cluster);
    const original = await serviceObject(cluster, ns, 'echo');
    const run = await startExchange(laptop, [...args, '-n', ns, 'echo', '--expose', `${httpPort}:8080`], env);
    try {
      expect(await waitForHttp(cluster, ns, 'echo', 80, /laptop:\//)).toMatch(/laptop:\//);
      const { offset } = await sleepThrough(run, async () => {
        await othersClean(0);
        expect(await waitForHttp(cluster, ns, 'echo', 80, /hello from echo-/)).toMatch(/hello from echo-/);
      });
      await waitFor(async () => /reconnected/.test(since(run, offset)), {
        timeoutMs: 90_000,
        what: `"reconnected" (said: ${since(run, offset)})`,
      });
      expect(await waitForHttp(cluster, ns, 'echo', 80, /laptop:\//, 60_000)).toMatch(/laptop:\//);
      expect(since(run, offset)).toMatch(/pointing it back at the shadow/);
    } finally {
      await endExchange(run);
    }
    await waitNoneMade(cluster, ns);
    expect(await serviceObject(cluster, ns, 'echo')).toEqual(original);
  });

  it('someone else took the Service meanwhile: says so, ends cleanly, and leaves their exchange alone', async () => {
    const alice = ktctlEnv(cluster);
    const bob = ktctlEnv(cluster);
    const original = await serviceObject(cluster, ns, 'echo');
    const run = await startExchange(laptop, [...alice.args, '-n', ns, 'echo', '--expose', `${httpPort}:8080`], alice.env, 'alice');
    let bobs: Background | undefined;
    try {
      const { offset } = await sleepThrough(run, async () => {
        await othersClean(0);
        bobs = await startExchange(laptop, [...bob.args, '-n', ns, 'echo', '--expose', `${httpPort}:8080`], bob.env, 'bob');
      });
      await run.waitForOutput(/was taken by bob meanwhile/, 90_000);
      await waitFor(async () => /is back to its own pods|Ending the exchange/.test(since(run, offset)), {
        timeoutMs: 30_000,
        what: 'alice to end',
      });
      await run.stop(30_000);
      const svc = await cluster.getJson(['-n', ns, 'service', 'echo']);
      expect(svc.metadata.annotations['kt-user']).toBe('bob');
      expect(Object.keys(svc.spec.selector)).toEqual(['kt-target']);
      expect(await httpFromPod(cluster, ns, 'echo', 80)).toMatch(/laptop:\//);
      expect((await ktObjects(cluster, ns)).filter((o) => o.startsWith('pod/')).length).toBe(1);
    } finally {
      await run.stop(5_000);
      if (bobs) await endExchange(bobs);
    }
    await waitNoneMade(cluster, ns);
    expect(await serviceObject(cluster, ns, 'echo')).toEqual(original);
  });
});
