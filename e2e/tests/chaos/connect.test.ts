// kill -9, SIGTERM and a double Ctrl-C at seeded moments of `ktctl connect` in each mode (tun2socks,
// sshuttle, proxy only): after `ktctl clean` the laptop is byte-identical and the cluster holds nothing
// of ktctl's. A few seeds per CI run (the offset moves with the run); KT_CHAOS_KILLS=N tries N.
import { beforeAll, describe, expect, it } from 'vitest';
import { useClusterEnv } from '../../harness/index.js';
import { KTCTL, ktctl, ktctlEnv } from '../connect/ktctl.js';
import { cleanAndRecover, describeTrial, runTrialAlone, trialsForRun, type Subject } from './support.js';

const env = useClusterEnv(import.meta.filename);
const { cluster, laptop } = env;
const proxyPort = 23_000 + Math.floor(Math.random() * 2_000);
const MODES = {
  tun2socks: ['--mode', 'tun2socks'],
  sshuttle: ['--mode', 'sshuttle'],
  proxy: ['--disableTunDevice'],
} as const;

describe.each(Object.keys(MODES) as (keyof typeof MODES)[])('connect %s stopped at a seeded moment', (mode) => {
  const { args, env: kenv, home } = ktctlEnv(cluster);
  let ns: string;
  beforeAll(async () => {
    ns = env.namespace.name;
    // A home that has seen ktctl before (its folders exist), as a user's would.
    await ktctl(laptop, ['clean', ...args, '-n', ns, '--localOnly'], kenv);
  });
  const subject: Subject = {
    name: `connect ${mode}`,
    spawn: () =>
      laptop.start('env', [
        ...Object.entries(kenv).map(([k, v]) => `${k}=${v ?? ''}`),
        KTCTL,
        'connect',
        ...args,
        '-n',
        ns,
        ...MODES[mode],
        // The laptop namespace is shared: a port of this file's own.
        '--proxyPort',
        String(proxyPort),
      ]),
    ready: /Press Ctrl-C to disconnect/,
    repair: () => cleanAndRecover(laptop, args, kenv, ns),
  };
  it.each(trialsForRun(8_000).map((t) => [describeTrial(t), t] as const))('%s', async (_, trial) => {
    const result = await runTrialAlone(subject, trial, { cluster, laptop, ns, home });
    expect(result.leftByGraceful).toEqual([]);
    expect(result.leftovers).toEqual([]);
  });
});
