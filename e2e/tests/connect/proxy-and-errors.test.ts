// Connect without root (proxy only, a command run through it), and the failures a user can cause: not
// root, RBAC that forbids creating pods, a busy proxy port — one line, a code, nothing left behind.
import { describe, expect, it } from 'vitest';
import { useClusterEnv } from '../../harness/index.js';
import { CONNECT_MODES, KTCTL, ktObjects, ktctl, ktctlEnv, laptopState, unprivilegedHome } from './ktctl.js';

const { cluster, laptop } = useClusterEnv(import.meta.filename);
const ns = cluster.facts.testNamespace;
const NOBODY = 65534;

/** Runs ktctl in the laptop as the unprivileged user nobody. */
function asNobody(args: string[]) {
  const { home, kubeconfig } = unprivilegedHome(cluster, NOBODY);
  return laptop.run(
    'setpriv',
    [
      `--reuid=${NOBODY}`,
      `--regid=${NOBODY}`,
      '--clear-groups',
      'env',
      `HOME=${home}`,
      `PATH=${process.env.PATH}`,
      KTCTL,
      '-c',
      kubeconfig,
      ...args,
    ],
    { timeoutMs: 90_000 },
  );
}

describe('connect without root', () => {
  it('runs a command through the proxy (--disableTunDevice -- cmd) and exits with its code', async () => {
    const before = await laptopState(laptop);
    const result = await asNobody([
      'connect',
      '-n',
      ns,
      '--disableTunDevice',
      '--proxyPort',
      '2300',
      '--',
      'curl',
      '-sS',
      '--max-time',
      '10',
      `http://echo.${ns}/`,
    ]);
    expect(result.stdout, result.stderr).toMatch(/^hello from echo-/);
    expect(result.code).toBe(0);
    const failing = await asNobody(['connect', '-n', ns, '--disableTunDevice', '--proxyPort', '2300', '--', 'sh', '-c', 'exit 7']);
    expect(failing.code).toBe(7);
    expect(await laptopState(laptop)).toEqual(before);
    expect(await ktObjects(cluster, ns)).toEqual([]);
  });

  it('says so in one line when ~/.kt is not writable (made by an earlier sudo run)', async () => {
    const { home, kubeconfig } = unprivilegedHome(cluster, NOBODY);
    await laptop.run('mkdir', ['-m', '0700', `${home}/.kt`]);
    const result = await laptop.run(
      'setpriv',
      [
        `--reuid=${NOBODY}`,
        `--regid=${NOBODY}`,
        '--clear-groups',
        'env',
        `HOME=${home}`,
        `PATH=${process.env.PATH}`,
        KTCTL,
        'connect',
        '-n',
        ns,
        '--disableTunDevice',
        '-c',
        kubeconfig,
      ],
      { timeoutMs: 90_000 },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: Permission denied on .*\.kt.*\[KT_PERMISSION_DENIED\]$/m);
    expect(await ktObjects(cluster, ns)).toEqual([]);
  });

  it.each([...CONNECT_MODES, 'default'])('refuses --mode %s with one line and a code, before touching the cluster', async (mode) => {
    const result = await asNobody(['connect', '-n', ns, ...(mode === 'default' ? [] : ['--mode', mode])]);
    expect(result.code).toBe(1);
    // The one line before it says which cluster connect talks to (nothing is asked of the cluster yet).
    const lines = result.stderr.trim().split('\n');
    expect(lines.filter((l) => !l.startsWith('Using context '))).toHaveLength(1);
    expect(lines.at(-1)).toMatch(/^error: .*sudo.*\[KT_NOT_ROOT\]$/);
    expect(await ktObjects(cluster, ns)).toEqual([]);
  });
});

describe('connect failures a user can fix', () => {
  it('names the missing permission when RBAC forbids creating pods, and leaves nothing', async () => {
    const { args, env } = ktctlEnv(cluster, 'restricted');
    const before = await laptopState(laptop);
    const result = await ktctl(laptop, ['connect', ...args, '-n', ns, '--mode', 'sshuttle'], env);
    expect(result.code).toBe(1);
    const errors = result.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/create.*configmaps|create.*pods/);
    expect(errors[0]).toMatch(/\[KT_FORBIDDEN\]$/);
    expect(await laptopState(laptop)).toEqual(before);
    expect(await ktObjects(cluster, ns)).toEqual([]);
  });

  it('says which port is busy and how to move it, and leaves nothing', async () => {
    const { args, env } = ktctlEnv(cluster);
    const [cmd, argv] = laptop.argv('python3', [
      '-c',
      'import socket,time; s=socket.socket(); s.bind(("127.0.0.1", 2310)); s.listen(); time.sleep(60)',
    ]);
    const { startBackground } = await import('../../harness/index.js');
    const blocker = startBackground(cmd, argv);
    await new Promise((r) => setTimeout(r, 500));
    try {
      const result = await ktctl(laptop, ['connect', ...args, '-n', ns, '--disableTunDevice', '--proxyPort', '2310'], env);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^error: Port 2310 .* is already in use\. .*--proxyPort.* \[KT_PORT_IN_USE\]$/m);
      expect(await ktObjects(cluster, ns)).toEqual([]);
    } finally {
      await blocker.stop();
    }
  });

  it('rejects a wrong flag value with exit code 2 and the allowed values', async () => {
    const { args, env } = ktctlEnv(cluster);
    const result = await ktctl(laptop, ['connect', ...args, '--mode', 'vpn'], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'error: Invalid value --mode: expected one of tun2socks, sshuttle. See "ktctl <command> --help". [KT_INVALID_FLAG]\n',
    );
  });
});
