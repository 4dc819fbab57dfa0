/**
 * A private little laptop for the netplatform tests: its own network namespace, and a subject process that
 * runs the Linux platform for real inside it, in a private mount namespace where temp files are bind-mounted
 * over /etc/resolv.conf and /etc/hosts. The host's routes, firewall and files are never touched.
 *
 * The subject lives in packages/netplatform-linux (only the app may import a netplatform-<os> package), so
 * it is spawned by path.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll } from 'vitest';

const execFileAsync = promisify(execFile);
const REPO = resolve(import.meta.dirname, '../../..');
const SUBJECT = join(REPO, 'packages/netplatform-linux/src/testing/e2e-subject.ts');
/** Every wait here is bounded by this much. */
const WAIT_MS = 20_000;

export const ORIGINAL_RESOLV = '# the laptop before ktctl\nsearch corp.example\nnameserver 10.255.0.2\noptions edns0\n';
export const ORIGINAL_HOSTS = '127.0.0.1\tlocalhost\n::1 localhost ip6-localhost\n192.0.2.10 printer # no newline at the end';

export async function sh(command: string, args: readonly string[]): Promise<string> {
  const { stdout } = await execFileAsync(command, [...args], { timeout: WAIT_MS });
  return stdout;
}

/** A fake cluster: routed into the veth, nothing answers there except through the redirect. */
export const CLUSTER = {
  routes: [{ cidr: '10.99.0.0/16', device: 'ktnp0' }],
  redirect: { cidrs: ['10.99.0.0/16'], excludes: ['10.99.9.9'] },
  dns: { nameservers: ['127.0.0.1'], searchDomains: ['default.svc.cluster.local', 'svc.cluster.local'] },
  hosts: [{ ip: '10.99.0.5', names: ['web', 'web.default', 'web.default.svc.cluster.local'] }],
  loopbackDnsPort: 5353,
};

/** Connects from inside the namespace; prints what the peer answered, or the error, within 1.5 s. */
export const tcpProbe = (host: string, port: number) => `
  const s = require('net').connect(${port}, '${host}');
  let got = '';
  s.on('data', (d) => (got += d));
  s.on('end', () => { console.log(got.trim()); process.exit(0); });
  s.on('error', (e) => { console.log('error ' + e.code); process.exit(0); });
  setTimeout(() => { console.log('timeout'); process.exit(0); }, 1500);`;

export class Netns {
  readonly name = `kt-np-${randomBytes(4).toString('hex')}`;

  /** Creates the namespace with loopback up and a veth pair (`ktnp0` carries the cluster routes). */
  async create(): Promise<void> {
    await sh('ip', ['netns', 'add', this.name]);
    await this.run('ip', ['link', 'set', 'lo', 'up']);
    // No IPv6 link-local addresses appearing a moment later and making the before/after routes differ.
    await this.run('sysctl', ['-q', '-w', 'net.ipv6.conf.default.disable_ipv6=1']);
    await this.run('ip', ['link', 'add', 'ktnp0', 'type', 'veth', 'peer', 'name', 'ktnp1']);
    await this.run('ip', ['link', 'set', 'ktnp0', 'up']);
    await this.run('ip', ['link', 'set', 'ktnp1', 'up']);
    await this.run('ip', ['addr', 'add', '192.168.77.2/24', 'dev', 'ktnp0']);
  }

  /**
   * A second namespace behind this one, like a container on a bridge: this one's `ktnp1` moves there as
   * 192.168.77.3 with its default route through 192.168.77.2.
   */
  async attachClient(client: Netns): Promise<void> {
    await sh('ip', ['netns', 'add', client.name]);
    await client.run('ip', ['link', 'set', 'lo', 'up']);
    await this.run('ip', ['link', 'set', 'ktnp1', 'netns', client.name]);
    await client.run('ip', ['addr', 'add', '192.168.77.3/24', 'dev', 'ktnp1']);
    await client.run('ip', ['link', 'set', 'ktnp1', 'up']);
    await client.run('ip', ['route', 'add', 'default', 'via', '192.168.77.2']);
  }

  run(command: string, args: readonly string[]): Promise<string> {
    return sh('ip', ['netns', 'exec', this.name, command, ...args]);
  }

  /** Runs a node script inside the namespace and returns its stdout. */
  node(script: string): Promise<string> {
    return this.run(process.execPath, ['-e', script]);
  }

  async destroy(): Promise<void> {
    await sh('ip', ['netns', 'del', this.name]).catch(() => undefined);
  }
}

/** The state of the namespace a session must leave exactly as it found it. */
export async function snapshot(netns: Netns, sandbox: Sandbox): Promise<Record<string, string>> {
  const strip = (text: string) => text.replace(/^#.*\n/gm, '');
  return {
    routes: await netns.run('ip', ['route', 'show', 'table', 'all']),
    iptables: strip(await netns.run('iptables-save', [])),
    nft: await netns.run('nft', ['list', 'ruleset']),
    resolvConf: readFileSync(sandbox.resolvConf).toString('base64'),
    hosts: readFileSync(sandbox.hosts).toString('base64'),
  };
}

/**
 * Rules of the "user" that must survive. With `nat`, the nat table exists before ktctl runs; without, ktctl
 * has to remove again the table and built-in chains iptables-nft creates for it.
 */
export async function addUserRules(netns: Netns, { nat = true } = {}): Promise<void> {
  if (nat) await netns.run('iptables', ['-t', 'nat', '-A', 'OUTPUT', '-d', '192.0.2.1/32', '-j', 'RETURN']);
  await netns.run('iptables', ['-A', 'INPUT', '-s', '192.0.2.2/32', '-j', 'DROP']);
  await netns.run('ip', ['route', 'add', '198.51.100.0/24', 'via', '192.168.77.1']);
}

export class Sandbox {
  readonly dir = mkdtempSync(join(tmpdir(), 'kt-np-'));
  readonly resolvConf = join(this.dir, 'resolv.conf');
  readonly ktHome = join(this.dir, 'kt');
  /** With a private /etc: a copy of the host's, bind-mounted over /etc, where resolv.conf is a symlink. */
  readonly etc: string | undefined;
  readonly hosts: string;

  constructor({ symlinkedResolvConf = false } = {}) {
    writeFileSync(this.resolvConf, ORIGINAL_RESOLV);
    if (symlinkedResolvConf) {
      this.etc = join(this.dir, 'etc');
      cpSync('/etc', this.etc, { recursive: true, verbatimSymlinks: true });
      rmSync(join(this.etc, 'resolv.conf'), { force: true });
      // As NetworkManager or resolvconf set it up: /etc/resolv.conf -> the file under /run they manage.
      symlinkSync(this.resolvConf, join(this.etc, 'resolv.conf'));
    }
    this.hosts = join(this.etc ?? this.dir, 'hosts');
    writeFileSync(this.hosts, ORIGINAL_HOSTS);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export type SubjectEvent = { event: string } & Record<string, unknown>;

/** One run of the subject process inside the namespace, with the events it printed. */
export class Subject {
  readonly events: SubjectEvent[] = [];
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;
  private stderr = '';

  constructor(netns: Netns, sandbox: Sandbox, config: Record<string, unknown>) {
    const mounts = sandbox.etc ? 'mount --bind "$1" /etc' : 'mount --bind "$1" /etc/resolv.conf && mount --bind "$2" /etc/hosts';
    const script = `${mounts} && exec "$3" --import tsx "$4" "$5"`;
    const json = JSON.stringify({ ktHome: sandbox.ktHome, ...config });
    const args = ['netns', 'exec', netns.name, 'unshare', '--mount', '--propagation', 'private', 'sh', '-c', script];
    const first = sandbox.etc ?? sandbox.resolvConf;
    this.child = spawn('ip', [...args, 'sh', first, sandbox.hosts, process.execPath, SUBJECT, json], { cwd: REPO });
    let buffered = '';
    this.child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        this.events.push(JSON.parse(buffered.slice(0, newline)) as SubjectEvent);
        buffered = buffered.slice(newline + 1);
      }
    });
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString('utf8')));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  /** The first event of this kind (or an error event), waiting for it within the bound. */
  async next(kind: string): Promise<SubjectEvent> {
    const deadline = Date.now() + WAIT_MS;
    while (Date.now() < deadline) {
      const found = this.events.find((e) => e.event === kind || e.event === 'error');
      if (found) return found;
      if (this.child.exitCode !== null && this.child.stdout!.readableEnded) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`subject gave no ${kind} event; events ${JSON.stringify(this.events)}; stderr ${this.stderr}`);
  }

  /** The node process itself (ip netns exec, unshare and sh all exec into it). */
  get pid(): number {
    return this.child.pid!;
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  async stop(): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
    return withTimeout(this.exited, 'subject exit');
  }

  /** Last resort in afterAll: never leave a process behind. */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

export async function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), WAIT_MS);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs the subject's restore-stale action (what `ktctl clean` calls) and returns its report. */
export async function restoreStale(netns: Netns, sandbox: Sandbox): Promise<SubjectEvent> {
  const subject = new Subject(netns, sandbox, { action: 'restore-stale' });
  const event = await subject.next('restored');
  await withTimeout(subject.exited, 'restore-stale exit');
  return event;
}

/** Anything of ktctl's on the host itself (outside every test namespace); must stay empty. */
export async function hostKtTraces(): Promise<string[]> {
  const traces: string[] = [];
  if (readFileSync('/etc/resolv.conf', 'utf8').includes('Kt DNS')) traces.push('/etc/resolv.conf has a Kt DNS block');
  if (readFileSync('/etc/hosts', 'utf8').includes('Kt Hosts')) traces.push('/etc/hosts has a Kt Hosts block');
  if ((await sh('iptables-save', ['-t', 'nat'])).match(/KT_CONNECT|KT_DNS/)) traces.push('host iptables has a KT_ chain');
  if ((await sh('nft', ['list', 'tables'])).match(/ktctl/)) traces.push('host nft has a ktctl table');
  if ((await sh('ip', ['route'])).includes('10.99.0.0/16')) traces.push('host has the test cluster route');
  if (readdirSync('/etc').some((n) => n.includes('.kt-'))) traces.push('a ktctl temp file in /etc');
  return traces;
}

/**
 * One namespace and sandbox for a describe block: created with the user's own firewall rules before its tests
 * (the snapshot `before()` is taken then), and every subject it started killed and both removed after.
 */
export function sandboxSuite(): { netns: Netns; sandbox: Sandbox; subjects: Subject[]; before: () => Record<string, string> } {
  const netns = new Netns();
  const sandbox = new Sandbox();
  const subjects: Subject[] = [];
  let snapshotBefore: Record<string, string> | undefined;
  beforeAll(async () => {
    await netns.create();
    await addUserRules(netns);
    snapshotBefore = await snapshot(netns, sandbox);
  });
  afterAll(async () => {
    for (const subject of subjects) subject.kill();
    await netns.destroy();
    sandbox.remove();
  });
  return {
    netns,
    sandbox,
    subjects,
    before: () => {
      if (!snapshotBefore) throw new Error('the sandbox snapshot is taken in beforeAll');
      return snapshotBefore;
    },
  };
}
