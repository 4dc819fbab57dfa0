// Security properties of a real connect, checked rather than assumed: ktctl's listeners are on loopback; every
// connection it makes goes to the API server (agents are reached only through the authenticated port-forward,
// never by pod IP); the run's private key is 0600, never in the cluster, gone on exit; the agent refuses every
// key but this run's (real OpenSSH through kubectl port-forward); the shadow pod has no power beyond binding
// low ports. A source check keeps the places that read pod IPs to a reviewed list.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { run, startBackground, useClusterEnv } from '../../harness/index.js';
import { waitFor } from '../../harness/wait.js';
import { ktObjects, ktctlEnv, startConnect } from '../connect/ktctl.js';
import { deployWorkloads } from '../exchange/workloads.js';

const env = useClusterEnv(import.meta.filename);
const { cluster, laptop } = env;
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const PROXY_PORT = 23481;
let ns: string;

beforeAll(async () => {
  ns = env.namespace.name;
  await deployWorkloads(cluster, ns);
}, 180_000);

/** The sockets of a process in the laptop namespace: `ss` lines naming its pid. */
async function sockets(pid: number, flags: string): Promise<string[]> {
  const out = (await laptop.run('ss', [flags, '-H', '-p'])).stdout;
  return out.split('\n').filter((l) => l.includes(`pid=${pid},`));
}

/** The pid of the ktctl process under `ip netns exec env ...` (the Background's pid is its parent chain). */
function ktctlPid(parent: number): number {
  const out = execFileSync('ps', ['-eo', 'pid=,ppid=,comm=']).toString();
  const rows = out
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .map(([pid, ppid, comm]) => ({ pid: Number(pid), ppid: Number(ppid), comm }));
  let current = parent;
  for (let depth = 0; depth < 5; depth++) {
    const me = rows.find((r) => r.pid === current);
    if (me?.comm === 'ktctl') return current;
    const child = rows.find((r) => r.ppid === current);
    if (!child) break;
    current = child.pid;
  }
  throw new Error(`no ktctl process under ${parent}`);
}

function filesUnder(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name));
  } catch {
    return [];
  }
}

describe('connect, as an attacker would look at it', () => {
  it('listens on loopback, dials only the API server, keeps its key to itself, and the agent takes no other key', async () => {
    const { args, env: vars, home } = ktctlEnv(cluster);
    const connect = await startConnect(laptop, [...args, '-n', ns, '--disableTunDevice', '--proxyPort', String(PROXY_PORT)], vars);
    try {
      const pid = ktctlPid(connect.pid);
      // Traffic through the proxy (the direct path and the shadow both carry some), sampled while it runs.
      let seen = 0;
      for (let i = 0; i < 5; i++) {
        const r = await laptop.run('curl', ['-sS', '--max-time', '10', '-x', `socks5h://127.0.0.1:${PROXY_PORT}`, `http://echo.${ns}/`]);
        expect(r.stdout, r.stderr).toMatch(/^hello from echo-/);
        const established = await sockets(pid, '-tn');
        seen += established.length;
        const api = new URL(cluster.facts.apiServer).host;
        for (const line of established) {
          const peer = line.trim().split(/\s+/)[4]!;
          expect([api, '127.0.0.1'], line).toContain(peer === api ? api : peer.replace(/:\d+$/, '').replace(/^\[::ffff:|\]$/g, ''));
        }
      }
      expect(seen).toBeGreaterThan(0);
      const listening = await sockets(pid, '-ltnu');
      expect(listening.length).toBeGreaterThan(0);
      for (const line of listening) expect(line.trim().split(/\s+/)[4], line).toMatch(/^(127\.0\.0\.1|\[::1\]):\d+$/);

      const keyFiles = filesUnder(join(home, 'key'));
      const privateKeys = keyFiles.filter((f) => readFileSync(f, 'utf8').includes('PRIVATE KEY'));
      expect(privateKeys.length).toBeGreaterThan(0);
      for (const f of privateKeys) expect((statSync(f).mode & 0o777).toString(8), f).toBe('600');
      const secret = readFileSync(privateKeys[0]!, 'utf8')
        .split('\n')
        .filter((l) => l && !l.startsWith('-----'))
        .join('');
      const inCluster = JSON.stringify(await cluster.getJson(['-n', ns, 'pods,configmaps,deployments,services,secrets']));
      expect(inCluster).not.toContain('PRIVATE KEY');
      expect(inCluster).not.toContain(secret.slice(0, 40));

      // The agent's SSH through a port-forward of our own: this run's key gets in, a fresh one does not.
      const [shadow] = (await ktObjects(cluster, ns)).filter((o) => o.startsWith('pod/'));
      expect(shadow).toBeDefined();
      const pod = await cluster.getJson(['-n', ns, shadow!]);
      const container = pod.spec.containers[0];
      expect(container.securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] },
      });
      expect(pod.spec.automountServiceAccountToken).toBe(false);
      const forward = startBackground(cluster.facts.kubectl, cluster.kubectlArgs(['-n', ns, 'port-forward', shadow!, '23482:22']));
      try {
        await forward.waitForOutput(/Forwarding from/, 20_000);
        const ssh = (key: string) =>
          run('timeout', [
            '4',
            'ssh',
            '-F',
            '/dev/null',
            '-o',
            'BatchMode=yes',
            '-o',
            'StrictHostKeyChecking=no',
            '-o',
            'UserKnownHostsFile=/dev/null',
            '-o',
            'IdentitiesOnly=yes',
            '-i',
            key,
            '-p',
            '23482',
            '-N',
            'root@127.0.0.1',
          ]);
        const other = join(home, 'other-key');
        await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
        const refused = await ssh(other);
        expect(refused.code, refused.stderr).toBe(255);
        expect(refused.stderr).toMatch(/Permission denied/);
        // Accepted: still logged in when timeout ends it.
        expect((await ssh(privateKeys[0]!)).code).toBe(124);
      } finally {
        await forward.stop();
      }
    } finally {
      await connect.stop();
    }
    await waitFor(async () => (await ktObjects(cluster, ns)).length === 0, { timeoutMs: 30_000, what: 'the shadow gone' });
    expect(filesUnder(join(home, 'key')).filter((f) => readFileSync(f, 'utf8').includes('PRIVATE KEY'))).toEqual([]);
  }, 180_000);
});

describe('the source', () => {
  // Where laptop code reads a pod's IP, and why that is no dial to an agent.
  const POD_IP_READERS: Record<string, string> = {
    'packages/access/src/connect/direct/endpoint-index.ts': 'maps a pod IP the user dials to that pod, reached over its own port-forward',
    'packages/kube/src/cidr/discover.ts': 'learns the pod CIDRs to route into the cluster',
    'packages/traffic/src/shared/router-state.ts': 'reads the mesh router pod status (ready, phase)',
  };

  it('reads pod IPs only where reviewed, and reaches agents only through port-forward', () => {
    const files = execFileSync(
      'git',
      ['grep', '-l', '-E', 'podIPs?\\b', '--', 'packages/*/src/*.ts', 'packages/*/src/**/*.ts', 'apps/ktctl/src'],
      {
        cwd: REPO,
      },
    )
      .toString()
      .split('\n')
      .filter((f) => f && !f.endsWith('.test.ts') && !f.startsWith('packages/netplatform'));
    expect(files.sort()).toEqual(Object.keys(POD_IP_READERS).sort());
    // The direct path dials what the index returns through portForward, never with net.connect.
    const direct = readdirSync(join(REPO, 'packages/access/src/connect/direct')).filter(
      (f) => f.endsWith('.ts') && !f.endsWith('.test.ts'),
    );
    for (const f of direct) {
      const text = readFileSync(join(REPO, 'packages/access/src/connect/direct', f), 'utf8');
      expect(text, f).not.toMatch(/\bnet\.connect\(|\bcreateConnection\(|from 'node:net'.*\bconnect\b/);
    }
  });
});
