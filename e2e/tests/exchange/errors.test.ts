// What users get wrong with exchange and recover: one line, a KT_* code, a non-zero exit, and nothing
// changed in the cluster.
import { beforeAll, describe, expect, it } from 'vitest';
import { useClusterEnv } from '../../harness/index.js';
import { ktctl, ktctlEnv } from '../connect/ktctl.js';
import { ktMade } from './support.js';
import { deployWorkloads, laptopPorts, serviceObject, startLaptopServer } from './workloads.js';

const env = useClusterEnv(import.meta.filename);
const { cluster, laptop } = env;
let ns: string;

beforeAll(async () => {
  ns = env.namespace.name;
  await deployWorkloads(cluster, ns);
  await env.namespace.grantRestricted();
});

/** Runs ktctl, checks it failed with one line carrying `code`, and that the namespace is unchanged. */
async function failsWith(args: readonly string[], code: string, who: 'admin' | 'restricted' = 'admin'): Promise<string> {
  const { args: auth, env: kenv } = ktctlEnv(cluster, who);
  const before = await serviceObject(cluster, ns, 'echo');
  const r = await ktctl(laptop, [args[0]!, ...auth, '-n', ns, ...args.slice(1)], kenv);
  expect(r.code, r.stderr).not.toBe(0);
  expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
  expect(r.stderr).toContain(`[${code}]`);
  expect(await serviceObject(cluster, ns, 'echo')).toEqual(before);
  expect(await ktMade(cluster, ns)).toEqual([]);
  expect((await cluster.getJson(['-n', ns, 'deployment', 'echo'])).spec.replicas).toBe(1);
  return r.stderr;
}

describe('exchange and recover errors', () => {
  it('restricted RBAC: says what is missing, changes nothing', async () => {
    const [local] = laptopPorts();
    const server = await startLaptopServer(laptop, local, local + 1);
    try {
      expect(await failsWith(['exchange', 'echo', '--expose', `${local}:8080`], 'KT_FORBIDDEN', 'restricted')).toMatch(
        /You may not patch services.*create pods/,
      );
      expect(await failsWith(['exchange', 'echo', '--mode', 'scale', '--expose', `${local}:8080`], 'KT_FORBIDDEN', 'restricted')).toMatch(
        /patch deployments/,
      );
      expect(await failsWith(['recover', 'echo'], 'KT_FORBIDDEN', 'restricted')).toMatch(/You may not patch services/);
    } finally {
      await server.stop();
    }
  });

  it('names the target ports when a Service port is given, and checks local ports', async () => {
    const [local] = laptopPorts();
    expect(await failsWith(['exchange', 'echo', '--expose', `${local}:80`, '--skipPortChecking'], 'KT_TARGET_PORT_NOT_FOUND')).toMatch(
      /Port 80 is not a target port of Service echo \(80 is a Service port; its target port is http\); its TCP target ports are 8080, 9000.*TARGET ports/,
    );
    expect(await failsWith(['exchange', 'echo', '--expose', `${local}:9001`, '--skipPortChecking'], 'KT_TARGET_PORT_NOT_FOUND')).toMatch(
      /UDP/,
    );
    expect(await failsWith(['exchange', 'echo', '--expose', `${local}:8080`], 'KT_PORT_NOT_LISTENING')).toMatch(
      new RegExp(`local port ${local}.*--skipPortChecking`),
    );
  });

  it('refuses ephemeral mode, unknown targets and a missing --expose', async () => {
    expect(await failsWith(['exchange', 'echo', '--mode', 'ephemeral', '--expose', '8080'], 'KT_MODE_UNSUPPORTED')).toMatch(
      /not supported/,
    );
    expect(await failsWith(['exchange', 'nosuch', '--expose', '8080'], 'KT_NOT_FOUND')).toMatch(/Service nosuch not found/);
    expect(await failsWith(['exchange', 'pod/nosuch', '--expose', '8080'], 'KT_NOT_FOUND')).toMatch(/Pod nosuch not found/);
    expect(await failsWith(['exchange', 'echo'], 'KT_INVALID_FLAG')).toMatch(/--expose is required/);
    expect(await failsWith(['recover', 'nosuch'], 'KT_NOT_FOUND')).toMatch(/Service nosuch not found/);
  });
});
