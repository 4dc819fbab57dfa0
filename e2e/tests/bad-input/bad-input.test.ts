// What users get wrong, across every command, as one table: each mistake ends with one error line carrying
// its stable KT_* code (the last line; before it only progress lines), the exit code the README documents
// (2 usage, 1 failure), and the cluster (control-by=kt objects, the Services and Deployments) and the laptop
// (resolver, hosts, routes, firewall, ~/.kt files) exactly as they were.
import { createHash } from 'node:crypto';
import { chownSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackground, useClusterEnv, type Background } from '../../harness/index.js';
import { KTCTL, ktctl, ktctlEnv, laptopState, unprivilegedHome } from '../connect/ktctl.js';
import { deployWorkloads } from '../exchange/workloads.js';

const env = useClusterEnv(import.meta.filename);
const { cluster, laptop } = env;
const NOBODY = 65534;
const BUSY_PORT = 23417;
let ns: string;
let scratch: string;
let busy: Background;
let previous: [Record<string, string>, unknown] | undefined;

/** One mistake: the arguments (the namespace and kubeconfig are added), who runs it, and what must come back. */
interface Mistake {
  readonly name: string;
  readonly args: readonly string[];
  readonly code: string;
  readonly exit: 1 | 2;
  readonly who?: 'admin' | 'restricted' | 'nobody';
  /** Replaces `-c <kubeconfig>` (a missing, broken or unreachable one). */
  readonly kubeconfig?: () => string;
  /** Prepares the run's ~/.kt (a config file, a live connect's pid file). */
  readonly home?: (home: string) => void;
  readonly vars?: NodeJS.ProcessEnv;
  /** Says more than the code alone. */
  readonly says?: RegExp;
  readonly noCluster?: true;
}

const forbidden = (says: RegExp): Pick<Mistake, 'code' | 'exit' | 'who' | 'says'> => ({
  code: 'KT_FORBIDDEN',
  exit: 1,
  who: 'restricted',
  says,
});

const MISTAKES: Mistake[] = [
  // Spelling and values, caught before the cluster is asked anything.
  {
    name: 'misspelled global flag',
    args: ['connect', '--namspace', 'x'],
    code: 'KT_UNKNOWN_FLAG',
    exit: 2,
    says: /Did you mean --namespace/,
  },
  { name: 'misspelled command', args: ['connec'], code: 'KT_UNKNOWN_COMMAND', exit: 2, says: /Did you mean "connect"/ },
  { name: 'misspelled exchange flag', args: ['exchange', 'echo', '--exposee', '8080'], code: 'KT_UNKNOWN_FLAG', exit: 2 },
  { name: 'a flag that does not exist', args: ['--profile', 'dev', 'connect'], code: 'KT_UNKNOWN_FLAG', exit: 2 },
  { name: 'unknown connect mode', args: ['connect', '--mode', 'tun3socks'], code: 'KT_INVALID_FLAG', exit: 2, says: /tun2socks, sshuttle/ },
  { name: 'unknown DNS mode', args: ['connect', '--dnsMode', 'nonsense'], code: 'KT_INVALID_FLAG', exit: 2 },
  { name: 'proxy port out of range', args: ['connect', '--proxyPort', '99999'], code: 'KT_INVALID_FLAG', exit: 2, says: /1 to 65535/ },
  { name: 'proxy port not a number', args: ['connect', '--proxyPort', 'abc'], code: 'KT_INVALID_FLAG', exit: 2 },
  {
    name: 'bad CIDR in --includeIps',
    args: ['connect', '--includeIps', '10.0.0.0/99'],
    code: 'KT_INVALID_FLAG',
    exit: 2,
    says: /10\.0\.0\.0\/99/,
  },
  {
    name: 'not an IP in --excludeIps',
    args: ['connect', '--excludeIps', '10.1.0.0/16,foo'],
    code: 'KT_INVALID_FLAG',
    exit: 2,
    says: /"foo"/,
  },
  { name: 'zero tunnel sessions', args: ['connect', '--tunnelSessions', '0'], code: 'KT_INVALID_FLAG', exit: 2 },
  { name: 'bad --podQuota', args: ['connect', '--podQuota', 'lots'], code: 'KT_INVALID_FLAG', exit: 2 },
  { name: 'bad --nodeSelector', args: ['connect', '--nodeSelector', 'nokeyvalue'], code: 'KT_INVALID_FLAG', exit: 2 },
  {
    name: 'bad KT_* variable',
    args: ['connect'],
    vars: { KT_CONNECT_MODE: 'warp' },
    code: 'KT_INVALID_FLAG',
    exit: 2,
    says: /KT_CONNECT_MODE/,
  },
  {
    name: 'exchange without a target',
    args: ['exchange', '--expose', '8080'],
    code: 'KT_MISSING_ARGUMENT',
    exit: 2,
    says: /needs <target>/,
  },
  { name: '--expose not a port', args: ['exchange', 'echo', '--expose', 'abc'], code: 'KT_INVALID_FLAG', exit: 2 },
  { name: '--expose remote port out of range', args: ['exchange', 'echo', '--expose', '80:99999'], code: 'KT_INVALID_FLAG', exit: 2 },
  { name: 'unknown exchange mode', args: ['exchange', 'echo', '--mode', 'swap', '--expose', '8080'], code: 'KT_INVALID_FLAG', exit: 2 },
  {
    name: 'mesh version mark with spaces',
    args: ['mesh', 'echo', '--expose', '8080', '--versionMark', 'bad value!'],
    code: 'KT_INVALID_FLAG',
    exit: 2,
  },
  { name: 'unknown mesh mode', args: ['mesh', 'echo', '--expose', '8080', '--mode', 'sideways'], code: 'KT_INVALID_FLAG', exit: 2 },
  {
    name: 'preview name too long for a Service',
    args: ['preview', 'a'.repeat(70), '--expose', '8080'],
    code: 'KT_USAGE',
    exit: 2,
    says: /at most/,
  },
  { name: 'preview name with capitals', args: ['preview', 'Bad_Name', '--expose', '8080'], code: 'KT_USAGE', exit: 2 },
  { name: 'forward local port out of range', args: ['forward', 'echo', '99999'], code: 'KT_INVALID_FLAG', exit: 2 },
  { name: 'negative clean threshold', args: ['clean', '--thresholdInMinus', '-3'], code: 'KT_INVALID_FLAG', exit: 2 },
  { name: 'config key unknown', args: ['config', 'set', 'nosuch.key', '1'], code: 'KT_CONFIG_KEY_UNKNOWN', exit: 2, noCluster: true },
  {
    name: 'config value not allowed',
    args: ['config', 'set', 'connect.mode', 'warp'],
    code: 'KT_INVALID_CONFIG',
    exit: 2,
    noCluster: true,
  },
  { name: 'unknown profile', args: ['config', 'load-profile', 'nosuch'], code: 'KT_PROFILE_NOT_FOUND', exit: 1, noCluster: true },
  { name: 'drop an unknown profile', args: ['config', 'drop-profile', 'nosuch'], code: 'KT_PROFILE_NOT_FOUND', exit: 1, noCluster: true },
  {
    name: 'invalid profile name',
    args: ['config', 'save-profile', 'bad name/'],
    code: 'KT_PROFILE_NAME_INVALID',
    exit: 2,
    noCluster: true,
  },
  {
    name: '~/.kt/config not YAML',
    args: ['connect'],
    home: (h) => writeFileSync(join(h, 'config'), '{{{ not yaml\n'),
    code: 'KT_INVALID_CONFIG',
    exit: 1,
    says: /not valid YAML/,
  },
  {
    name: '~/.kt/config with a bad value',
    args: ['connect'],
    home: (h) => writeFileSync(join(h, 'config'), 'connect:\n  mode: warp\n'),
    code: 'KT_INVALID_CONFIG',
    exit: 1,
    says: /connect\.mode/,
  },
  {
    name: '~/.kt/config with a misspelled key',
    args: ['connect'],
    home: (h) => writeFileSync(join(h, 'config'), 'connect:\n  modee: tun2socks\n'),
    code: 'KT_INVALID_CONFIG',
    exit: 1,
    says: /connect\.modee: unknown key/,
  },
  // The kubeconfig and the API server.
  {
    name: 'wrong context',
    args: ['connect', '--context', 'nosuch'],
    code: 'KT_INVALID_CONFIG',
    exit: 1,
    says: /Use --context with one of/,
  },
  { name: 'kubeconfig missing', args: ['connect'], kubeconfig: () => '/nonexistent/kubeconfig', code: 'KT_CLUSTER_UNREACHABLE', exit: 1 },
  {
    name: 'kubeconfig not YAML',
    args: ['connect'],
    kubeconfig: () => join(scratch, 'broken.kubeconfig'),
    code: 'KT_INVALID_CONFIG',
    exit: 1,
    says: /Cannot read kubeconfig/,
  },
  {
    name: 'API server unreachable',
    args: ['connect', '--disableTunDevice'],
    kubeconfig: () => join(scratch, 'unreachable.kubeconfig'),
    code: 'KT_CLUSTER_UNREACHABLE',
    exit: 1,
    says: /Cannot reach the cluster/,
  },
  // Names and ports the cluster does not have.
  {
    name: 'unknown Service',
    args: ['exchange', 'nosuch', '--expose', '8080'],
    code: 'KT_NOT_FOUND',
    exit: 1,
    says: /Service nosuch not found/,
  },
  { name: 'unknown Deployment', args: ['exchange', 'deployment/nosuch', '--expose', '8080'], code: 'KT_NOT_FOUND', exit: 1 },
  { name: 'unknown pod', args: ['exchange', 'pod/nosuch', '--expose', '8080'], code: 'KT_NOT_FOUND', exit: 1 },
  { name: 'mesh unknown Service', args: ['mesh', 'nosuch', '--expose', '8080', '--skipPortChecking'], code: 'KT_NOT_FOUND', exit: 1 },
  { name: 'recover unknown Service', args: ['recover', 'nosuch'], code: 'KT_NOT_FOUND', exit: 1 },
  { name: 'forward unknown Service', args: ['forward', 'nosuch'], code: 'KT_NOT_FOUND', exit: 1 },
  {
    name: 'Service port given for a target port',
    args: ['exchange', 'echo', '--expose', '5000:80', '--skipPortChecking'],
    code: 'KT_TARGET_PORT_NOT_FOUND',
    exit: 1,
    says: /80 is a Service port/,
  },
  {
    name: 'exchange a UDP port',
    args: ['exchange', 'echo', '--expose', '9001', '--skipPortChecking'],
    code: 'KT_TARGET_PORT_NOT_FOUND',
    exit: 1,
    says: /UDP/,
  },
  { name: 'forward a UDP port', args: ['forward', 'echo', '5000:9001'], code: 'KT_TARGET_PORT_NOT_FOUND', exit: 1, says: /UDP/ },
  { name: 'forward a port the Service lacks', args: ['forward', 'echo', '5000:5'], code: 'KT_TARGET_PORT_NOT_FOUND', exit: 1 },
  { name: 'exchange: nothing listening', args: ['exchange', 'echo', '--expose', '8080'], code: 'KT_PORT_NOT_LISTENING', exit: 1 },
  { name: 'preview: nothing listening', args: ['preview', 'h14b-pv', '--expose', '8080'], code: 'KT_PORT_NOT_LISTENING', exit: 1 },
  { name: 'mesh: nothing listening', args: ['mesh', 'echo', '--expose', '8080'], code: 'KT_PORT_NOT_LISTENING', exit: 1 },
  {
    name: 'exchange ephemeral mode',
    args: ['exchange', 'echo', '--mode', 'ephemeral', '--expose', '8080'],
    code: 'KT_MODE_UNSUPPORTED',
    exit: 1,
  },
  // The machine.
  { name: 'busy proxy port', args: ['connect', '--disableTunDevice', '--proxyPort', String(BUSY_PORT)], code: 'KT_PORT_IN_USE', exit: 1 },
  { name: 'busy forward port', args: ['forward', 'echo', `${BUSY_PORT}:80`], code: 'KT_PORT_IN_USE', exit: 1 },
  { name: 'TUN without root', args: ['connect'], who: 'nobody', code: 'KT_NOT_ROOT', exit: 1, says: /root/ },
  {
    name: 'a second connect on the machine',
    args: ['connect'],
    home: (h) => livePidFile(h, 'connect'),
    code: 'KT_ALREADY_RUNNING',
    exit: 1,
    says: /already running/,
  },
  // What the cluster refuses.
  {
    name: 'shadow image cannot be pulled',
    args: ['connect', '--disableTunDevice', '--image', 'ktctl.local/h14b-nosuch:1', '--podCreationTimeout', '30'],
    code: 'KT_IMAGE_PULL_FAILED',
    exit: 1,
  },
  {
    name: 'node selector matching no node',
    args: ['connect', '--disableTunDevice', '--nodeSelector', 'kt=nowhere', '--podCreationTimeout', '3'],
    code: 'KT_POD_NOT_READY',
    exit: 1,
    says: /didn't match/,
  },
  { name: 'RBAC: connect', args: ['connect', '--disableTunDevice'], ...forbidden(/create pods/) },
  { name: 'RBAC: exchange selector', args: ['exchange', 'echo', '--expose', '8080', '--skipPortChecking'], ...forbidden(/patch services/) },
  {
    name: 'RBAC: exchange scale',
    args: ['exchange', 'echo', '--mode', 'scale', '--expose', '8080', '--skipPortChecking'],
    ...forbidden(/patch deployments/),
  },
  { name: 'RBAC: preview', args: ['preview', 'h14b-pv', '--expose', '8080', '--skipPortChecking'], ...forbidden(/create services/) },
  { name: 'RBAC: mesh auto', args: ['mesh', 'echo', '--expose', '8080', '--skipPortChecking'], ...forbidden(/create services/) },
  {
    name: 'RBAC: mesh manual',
    args: ['mesh', 'echo', '--mode', 'manual', '--expose', '8080', '--skipPortChecking'],
    ...forbidden(/create pods/),
  },
  { name: 'RBAC: recover', args: ['recover', 'echo'], ...forbidden(/patch services/) },
];

/** A pid file of a live process (this test's busy-port holder) under the name of a running ktctl command. */
function livePidFile(home: string, command: string): void {
  const pid = busy.pid;
  const start = readFileSync(`/proc/${pid}/stat`, 'utf8');
  mkdirSync(join(home, 'pid'), { recursive: true });
  writeFileSync(join(home, 'pid', `${command}-${pid}.pid`), `${pid}\n${start.slice(start.lastIndexOf(')') + 2).split(' ')[19]}\n`);
}

/** Every file under ~/.kt but logs, with a hash of its content (an empty folder left behind holds nothing). */
function homeFiles(home: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const rel = relative(home, path);
      if (rel === 'logs' || rel.startsWith('logs/')) continue;
      const st = statSync(path);
      if (st.isDirectory()) walk(path);
      else out[rel] = `${(st.mode & 0o777).toString(8)} ${createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 16)}`;
    }
  };
  walk(home);
  return out;
}

/**
 * The namespace in one request: the names of ktctl's objects, and every Service and Deployment without the
 * fields the API server changes on its own.
 */
async function clusterState(): Promise<unknown> {
  const list = (await cluster.getJson(['-n', ns, 'services,deployments,pods,configmaps'])) as { items: KubeObject[] };
  const made = list.items.filter((o) => o.metadata.labels?.['control-by'] === 'kt').map((o) => `${o.kind}/${o.metadata.name}`);
  const kept = list.items
    .filter((o) => o.kind === 'Service' || o.kind === 'Deployment')
    .map(({ kind, metadata, spec }) => {
      const { resourceVersion: _r, managedFields: _m, generation: _g, ...meta } = metadata;
      return { kind, metadata: meta, spec };
    });
  return { made, kept };
}

interface KubeObject {
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; resourceVersion?: string; managedFields?: unknown; generation?: number };
  spec?: unknown;
}

/** Runs one mistake as its user, in a fresh ~/.kt. */
async function runMistake(m: Mistake, home: string): Promise<{ code: number | null; stderr: string }> {
  const kubeconfigFor = (who: 'admin' | 'restricted') => (m.kubeconfig ? m.kubeconfig() : cluster.kubeconfig(who));
  const args = m.noCluster ? [...m.args] : [...m.args, '-n', ns];
  if (m.who === 'nobody') {
    const { home: userHome, kubeconfig } = unprivilegedHome(cluster, NOBODY);
    const ktHome = join(userHome, '.kt');
    mkdirSync(ktHome);
    chownSync(ktHome, NOBODY, NOBODY);
    const r = await laptop.run(
      'setpriv',
      [
        `--reuid=${NOBODY}`,
        `--regid=${NOBODY}`,
        '--clear-groups',
        '--inh-caps=-all',
        'env',
        `HOME=${userHome}`,
        `KT_HOME=${ktHome}`,
        `PATH=${process.env.PATH}`,
        KTCTL,
        ...args,
        '-c',
        kubeconfig,
      ],
      { timeoutMs: 60_000 },
    );
    return { code: r.code, stderr: r.stderr };
  }
  const who = m.who ?? 'admin';
  const vars = { ...ktctlEnv(cluster, who).env, KT_HOME: home, ...m.vars };
  const r = await ktctl(laptop, m.noCluster ? args : [...args, '-c', kubeconfigFor(who)], vars, 60_000);
  return { code: r.code, stderr: r.stderr };
}

// What may come before the error line: progress of the steps tried, and auto-clean of dead runs' leftovers.
const PROGRESS = /^(shadow pod: |Using context |Cleaned up: |Tunnel: connected$)/;

beforeAll(async () => {
  ns = env.namespace.name;
  await deployWorkloads(cluster, ns);
  await env.namespace.grantRestricted();
  const { home } = ktctlEnv(cluster);
  scratch = home;
  writeFileSync(join(scratch, 'broken.kubeconfig'), 'garbage: [\n');
  const admin = readFileSync(cluster.kubeconfig('admin'), 'utf8');
  // Port 1 of the API server's own address: refused at once, nothing leaves the machine.
  writeFileSync(join(scratch, 'unreachable.kubeconfig'), admin.replace(/server: \S+/, `server: https://${cluster.facts.nodeIP}:1`));
  const [cmd, argv] = laptop.argv('python3', [
    '-c',
    `import socket,time;s=socket.socket();s.bind(('127.0.0.1',${BUSY_PORT}));s.listen();time.sleep(600)`,
  ]);
  busy = startBackground(cmd, argv);
  await new Promise((r) => setTimeout(r, 500));
}, 180_000);

afterAll(async () => {
  await busy?.stop();
});

describe(`bad input (${MISTAKES.length} mistakes)`, () => {
  it('has at least 30 distinct mistakes, each named once', () => {
    expect(new Set(MISTAKES.map((m) => m.name)).size).toBe(MISTAKES.length);
    expect(MISTAKES.length).toBeGreaterThanOrEqual(30);
  });

  it.each(MISTAKES.map((m) => [m.name, m] as const))('%s', async (_name, m) => {
    const { home } = ktctlEnv(cluster);
    m.home?.(home);
    const homeBefore = homeFiles(home);
    // The state after the previous mistake is the state before this one (half the snapshots).
    const [laptopBefore, clusterBefore] = (previous ??= await Promise.all([laptopState(laptop), clusterState()]));
    const r = await runMistake(m, home);
    const lines = r.stderr.trimEnd().split('\n');
    const last = lines.at(-1) ?? '';
    expect(last, r.stderr).toMatch(new RegExp(`^error: .*\\[${m.code}\\]$`));
    expect(
      lines.slice(0, -1).filter((l) => !PROGRESS.test(l)),
      r.stderr,
    ).toEqual([]);
    if (m.says) expect(last).toMatch(m.says);
    // Said once: a permission named twice (two pods of one command) reads as a bug.
    const listed = /RBAC\): (.*)\. \[/.exec(last)?.[1]?.split(', ') ?? [];
    expect(new Set(listed).size).toBe(listed.length);
    expect(r.code, r.stderr).toBe(m.exit);
    previous = undefined;
    const after = await Promise.all([laptopState(laptop), clusterState()]);
    expect(after[1]).toEqual(clusterBefore);
    expect(after[0]).toEqual(laptopBefore);
    expect(homeFiles(home)).toEqual(homeBefore);
    previous = after;
  });
});
