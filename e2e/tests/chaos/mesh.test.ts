// kill -9, SIGTERM and a double Ctrl-C at seeded moments of `ktctl mesh`: after `ktctl clean` and
// `recover app` the laptop is byte-identical, the cluster holds nothing of ktctl's (router, stuntman,
// shadow) and the Service and Deployments are as before.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Background } from '../../harness/index.js';
import { KTCTL, ktctl, ktctlEnv } from '../connect/ktctl.js';
import { appPorts, startLaptopApp, useMeshFile } from '../mesh/support.js';
import { cleanAndRecover, describeTrial, runTrialAlone, trialsForRun, type Subject } from './support.js';

const { cluster, laptop, ns: namespace } = useMeshFile(import.meta.filename);
const [http, grpc] = appPorts();
let app: Background | undefined;
let ns: string;
const { args, env: kenv, home } = ktctlEnv(cluster);
beforeAll(async () => {
  ns = namespace();
  app = await startLaptopApp(laptop, 'chaos', http, grpc);
  await ktctl(laptop, ['clean', ...args, '-n', ns, '--localOnly'], kenv);
});
afterAll(async () => {
  await app?.stop();
});

describe('mesh stopped at a seeded moment', () => {
  const subject: Subject = {
    name: 'mesh',
    spawn: () =>
      laptop.start('env', [
        ...Object.entries({ ...kenv, USER: 'chaos' }).map(([k, v]) => `${k}=${v ?? ''}`),
        KTCTL,
        'mesh',
        'app',
        '--expose',
        `${http}:8080,${grpc}:9090`,
        '--versionMark',
        'chaos',
        ...args,
        '-n',
        ns,
      ]),
    ready: /Press Ctrl-C to end the mesh/,
    repair: () => cleanAndRecover(laptop, args, kenv, ns, 'app'),
  };
  it.each(trialsForRun(15_000).map((t) => [describeTrial(t), t] as const))('%s', async (_, trial) => {
    const result = await runTrialAlone(subject, trial, { cluster, laptop, ns, home });
    expect(result.leftByGraceful).toEqual([]);
    expect(result.leftovers).toEqual([]);
  });
});
