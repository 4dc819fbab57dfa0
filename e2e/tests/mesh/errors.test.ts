// What users get wrong with mesh: one line, a KT_* code, a non-zero exit, and nothing changed.
import { beforeAll, describe, expect, it } from 'vitest';
import { ktctl, ktctlEnv } from '../connect/ktctl.js';
import { appPorts, ktMade, serviceObject, useMeshFile } from './support.js';

const { env, cluster, laptop, ns: namespace } = useMeshFile(import.meta.filename);
let ns: string;
beforeAll(async () => {
  ns = namespace();
  await env.namespace.grantRestricted();
});

async function failsWith(args: readonly string[], code: string, who: 'admin' | 'restricted' = 'admin'): Promise<string> {
  const { args: auth, env: kenv } = ktctlEnv(cluster, who);
  const before = await serviceObject(cluster, ns, 'app');
  const r = await ktctl(laptop, ['mesh', ...auth, '-n', ns, ...args], kenv);
  expect(r.code, r.stderr).not.toBe(0);
  expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
  expect(r.stderr).toContain(`[${code}]`);
  expect(await serviceObject(cluster, ns, 'app')).toEqual(before);
  expect(await ktMade(cluster, ns)).toEqual([]);
  return r.stderr;
}

describe('mesh errors', () => {
  it('restricted RBAC: every missing permission in one line, for auto and manual mode', async () => {
    const [port] = appPorts();
    expect(await failsWith(['app', '--expose', `${port}:8080`, '--skipPortChecking'], 'KT_FORBIDDEN', 'restricted')).toMatch(
      /You may not create services, patch services, delete services, create pods.*in namespace/,
    );
    expect(
      await failsWith(['app', '--mode', 'manual', '--expose', `${port}:8080`, '--skipPortChecking'], 'KT_FORBIDDEN', 'restricted'),
    ).toMatch(/You may not create configmaps/);
  });

  it('names target ports, checks local ports, and the version mark', async () => {
    const [port] = appPorts();
    expect(await failsWith(['app', '--expose', `${port}:80`, '--skipPortChecking'], 'KT_TARGET_PORT_NOT_FOUND')).toMatch(
      /80 is a Service port; its target port is http\); its TCP target ports are 8080, 9090/,
    );
    expect(await failsWith(['app', '--expose', `${port}:8080`], 'KT_PORT_NOT_LISTENING')).toMatch(/--skipPortChecking/);
    expect(await failsWith(['app', '--expose', `${port}:8080`, '--versionMark', 'bad key:v'], 'KT_INVALID_FLAG')).toMatch(
      /not a valid HTTP header name/,
    );
    expect(await failsWith(['app', '--expose', `${port}:8080`, '--versionMark', 'Alice'], 'KT_INVALID_FLAG')).toMatch(/lowercase/);
    expect(await failsWith(['app'], 'KT_INVALID_FLAG')).toMatch(/--expose is required/);
    expect(await failsWith(['nosuch', '--expose', '8080'], 'KT_NOT_FOUND')).toMatch(/Service nosuch not found/);
  });
});
