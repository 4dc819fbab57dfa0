// kill -9, SIGTERM and a double Ctrl-C at seeded moments of `ktctl exchange` (selector and scale mode)
// and `ktctl preview`: after `ktctl clean` (and `recover <svc>` for a redirect) the laptop is
// byte-identical, the cluster holds nothing of ktctl's and every Service/Deployment is as before.
import { beforeAll, describe, expect, it } from 'vitest';
import { KTCTL, ktctl, ktctlEnv } from '../connect/ktctl.js';
import { useExchangeFile } from '../exchange/workloads.js';
import { cleanAndRecover, describeTrial, runTrialAlone, trialsForRun, type Subject } from './support.js';

const { cluster, laptop, httpPort, ns: namespace } = useExchangeFile(import.meta.filename);

const COMMANDS = {
  'exchange selector': {
    argv: () => ['exchange', 'echo', '--expose', `${httpPort}:8080`],
    ready: /Press Ctrl-C to end the exchange/,
    recover: 'echo',
  },
  'exchange scale': {
    argv: () => ['exchange', 'web', '--mode', 'scale', '--expose', `${httpPort}:8080`],
    ready: /Press Ctrl-C to end the exchange/,
    recover: 'web',
  },
  preview: { argv: () => ['preview', 'chaos-preview', '--expose', `${httpPort}:8080`], ready: /Press Ctrl-C to stop/, recover: undefined },
} as const;

describe.each(Object.keys(COMMANDS) as (keyof typeof COMMANDS)[])('%s stopped at a seeded moment', (name) => {
  const { args, env: kenv, home } = ktctlEnv(cluster);
  const command = COMMANDS[name];
  let ns: string;
  beforeAll(async () => {
    ns = namespace();
    await ktctl(laptop, ['clean', ...args, '-n', ns, '--localOnly'], kenv);
  });
  const subject: Subject = {
    name,
    spawn: () =>
      laptop.start('env', [
        ...Object.entries({ ...kenv, USER: 'chaos' }).map(([k, v]) => `${k}=${v ?? ''}`),
        KTCTL,
        ...command.argv(),
        ...args,
        '-n',
        ns,
      ]),
    ready: command.ready,
    repair: () => cleanAndRecover(laptop, args, kenv, ns, command.recover),
  };
  it.each(trialsForRun(8_000).map((t) => [describeTrial(t), t] as const))('%s', async (_, trial) => {
    const result = await runTrialAlone(subject, trial, { cluster, laptop, ns, home });
    expect(result.leftByGraceful).toEqual([]);
    expect(result.leftovers).toEqual([]);
  });
});
