// Issue 13, kubeconfig exactly like kubectl, against the real API server: an HTTP CONNECT proxy in front
// of it (proxy-url, HTTPS_PROXY, NO_PROXY) for REST calls, watches and port-forward WebSockets; an exec
// plugin that prompts on the terminal (a pty from script(1)); sudo's variables with a throwaway local user
// (the plugin runs as them, nothing of root's in their home); and the ktctl binary in a pod of our
// namespace, which has no kubeconfig and uses its service account.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient, openForwardStream } from '@ktctl/kube';
import { writeImageLayout } from '@ktctl/oci-image';
import { run, runOk, useClusterEnv, waitFor } from '../../harness/index.js';

const env = useClusterEnv(import.meta.filename);
const { cluster } = env;
const repo = join(import.meta.dirname, '..', '..', '..');
const tsx = join(repo, 'node_modules', '.bin', 'tsx');
const listPods = join(import.meta.dirname, 'programs', 'list-pods.ts');
const dir = mkdtempSync(join(tmpdir(), 'kt-e2e-h13a-'));
let ns = '';
let token = '';
let caData = '';
let pod = '';

/** A tiny HTTP CONNECT proxy on loopback; `asked` lists the targets it tunnelled to. */
async function connectProxy(): Promise<{ url: string; asked: string[]; close(): void }> {
  const asked: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((_, res) => res.writeHead(405).end());
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    asked.push(req.url ?? '');
    const at = req.url!.lastIndexOf(':');
    const up = net.connect(Number(req.url!.slice(at + 1)), req.url!.slice(0, at), () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      up.write(head);
      up.pipe(client).pipe(up);
    });
    for (const s of [up, client]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => (s === up ? client : up).destroy());
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    asked,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

/** A kubeconfig for the test API server with this user stanza (and cluster extras such as proxy-url). */
function kubeconfig(path: string, user: string, clusterExtra = ''): string {
  writeFileSync(
    path,
    `apiVersion: v1
kind: Config
current-context: h13a
clusters: [{name: h13a-cluster, cluster: {server: '${cluster.facts.apiServer}', certificate-authority-data: ${caData}${clusterExtra}}}]
users: [{name: h13a-user, user: ${user}}]
contexts: [{name: h13a, context: {cluster: h13a-cluster, user: h13a-user, namespace: ${ns}}}]
`,
  );
  return path;
}

beforeAll(async () => {
  ns = env.namespace.name;
  await cluster.kubectlOk(['-n', ns, 'create', 'serviceaccount', 'dev']);
  await cluster.kubectlOk(['-n', ns, 'create', 'rolebinding', 'dev-edit', '--clusterrole=edit', `--serviceaccount=${ns}:dev`]);
  token = (await cluster.kubectlOk(['-n', ns, 'create', 'token', 'dev', '--duration=30m'])).trim();
  caData = /certificate-authority-data: (\S+)/.exec(readFileSync(cluster.kubeconfig(), 'utf8'))![1]!;
  const app = {
    apiVersion: 'v1',
    kind: 'List',
    items: [
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'echo', namespace: ns, labels: { app: 'h13a-echo' } },
        spec: {
          containers: [
            {
              name: 'app',
              image: cluster.facts.images.testapp,
              imagePullPolicy: 'Never',
              args: ['serve'],
              ports: [{ containerPort: 8080 }],
            },
          ],
        },
      },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'echo', namespace: ns },
        spec: { selector: { app: 'h13a-echo' }, ports: [{ port: 80, targetPort: 8080 }] },
      },
    ],
  };
  await cluster.kubectlOk(['create', '-f', '-'], { input: JSON.stringify(app) });
  await cluster.kubectlOk(['-n', ns, 'wait', '--for=condition=Ready', 'pod/echo', '--timeout=60s'], { timeoutMs: 70_000 });
  pod = 'echo';
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function getThroughForward(kube: KubeClient): Promise<string> {
  const stream = await openForwardStream(kube.transport, { namespace: ns, pod, port: 8080 });
  let answer = '';
  stream.on('data', (d: Buffer) => (answer += d.toString()));
  stream.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  await new Promise<void>((resolve, reject) => stream.once('end', resolve).once('error', reject));
  return answer.split('\r\n\r\n')[1]?.trim() ?? '';
}

describe('a proxy in front of the API server', () => {
  it('carries REST calls, a watch and a port-forward WebSocket when the cluster sets proxy-url', async () => {
    const proxy = await connectProxy();
    try {
      const file = kubeconfig(join(dir, 'proxy-url'), `{token: '${token}'}`, `, proxy-url: '${proxy.url}'`);
      const kube = KubeClient.fromOptions({ kubeconfig: file, env: {} });
      const pods = await kube.list<{ metadata: { name: string } }>({ apiVersion: 'v1', resource: 'pods', namespace: ns });
      expect(pods.items.map((p) => p.metadata.name)).toContain('echo');
      const stop = new AbortController();
      const watch = await kube.transport.openStream(
        `/api/v1/namespaces/${ns}/configmaps?watch=1&fieldSelector=metadata.name=h13a-watched`,
        { verb: 'watch', resource: 'configmaps', namespace: ns },
        stop.signal,
      );
      const event = new Promise<string>((resolve) => watch.once('data', (d: Buffer) => resolve(d.toString())));
      await cluster.kubectlOk(['-n', ns, 'create', 'configmap', 'h13a-watched']);
      expect(JSON.parse((await event).split('\n')[0]!)).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'h13a-watched' } } });
      stop.abort();
      expect(await getThroughForward(kube)).toBe('hello from echo');
      kube.close();
      const apiHost = new URL(cluster.facts.apiServer).host;
      // One keep-alive tunnel for the REST calls, one for the watch, one for the WebSocket.
      expect(proxy.asked.length).toBeGreaterThanOrEqual(3);
      expect(new Set(proxy.asked)).toEqual(new Set([apiHost]));
    } finally {
      proxy.close();
    }
  });

  it('follows HTTPS_PROXY as kubectl does, and NO_PROXY (a CIDR) bypasses it', async () => {
    const proxy = await connectProxy();
    try {
      const file = kubeconfig(join(dir, 'plain'), `{token: '${token}'}`);
      const viaEnv = KubeClient.fromOptions({ kubeconfig: file, env: { HTTPS_PROXY: proxy.url } });
      expect(await getThroughForward(viaEnv)).toBe('hello from echo');
      await viaEnv.list({ apiVersion: 'v1', resource: 'services', namespace: ns });
      viaEnv.close();
      const ours = proxy.asked.length;
      expect(ours).toBeGreaterThanOrEqual(2);
      // kubectl itself takes the same path through the same proxy.
      await runOk(cluster.facts.kubectl, ['--kubeconfig', file, 'get', 'pods'], { env: { HTTPS_PROXY: proxy.url, NO_PROXY: '' } });
      expect(proxy.asked.length).toBeGreaterThan(ours);
      const before = proxy.asked.length;
      const bypass = KubeClient.fromOptions({ kubeconfig: file, env: { HTTPS_PROXY: proxy.url, NO_PROXY: 'example.com,10.201.0.0/16' } });
      expect(await getThroughForward(bypass)).toBe('hello from echo');
      bypass.close();
      expect(proxy.asked.length).toBe(before);
    } finally {
      proxy.close();
    }
  });

  it('fails in one line with KT_CLUSTER_UNREACHABLE when the proxy is not there', async () => {
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as net.AddressInfo).port;
    closed.close();
    const file = kubeconfig(join(dir, 'dead-proxy'), `{token: '${token}'}`, `, proxy-url: 'http://127.0.0.1:${port}'`);
    const kube = KubeClient.fromOptions({ kubeconfig: file, env: {} });
    const err = await kube.list({ apiVersion: 'v1', resource: 'pods', namespace: ns }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'KT_CLUSTER_UNREACHABLE',
      message: `Cannot reach the API server ${new URL(cluster.facts.apiServer).host} through the proxy http://127.0.0.1:${port} (ECONNREFUSED)`,
    });
    kube.close();
  });
});

/** An exec plugin asking for a code on the terminal, like a device-code or MFA login. */
function promptingPlugin(path: string, record: string): string {
  writeFileSync(
    path,
    `#!/bin/sh
printf '%s' "$KUBERNETES_EXEC_INFO" > '${record}.info'
if [ -t 0 ]; then echo tty >> '${record}.stdin'; else echo notty >> '${record}.stdin'; fi
printf 'Enter the code from your phone: ' >&2
read code
[ "$code" = 424242 ] || { echo "wrong code" >&2; exit 7; }
echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"${token}"}}'
`,
  );
  chmodSync(path, 0o755);
  return path;
}

/** Runs a command on a fresh pty (script(1)), answers `answer` once `prompt` shows, returns all output. */
function onTerminal(
  command: string,
  childEnv: NodeJS.ProcessEnv,
  prompt: string,
  answer: string,
  timeoutMs = 90_000,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      env: { ...process.env, ...childEnv },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    let answered = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const onData = (d: Buffer) => {
      output += d.toString();
      if (!answered && output.includes(prompt)) {
        answered = true;
        child.stdin.write(`${answer}\r`);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('exec credential plugins', () => {
  it('get the terminal: the prompt shows, the typed code reaches the plugin, KUBERNETES_EXEC_INFO says interactive', async () => {
    const record = join(dir, 'prompt');
    const plugin = promptingPlugin(join(dir, 'prompt.sh'), record);
    const file = kubeconfig(
      join(dir, 'exec-tty'),
      `{exec: {apiVersion: client.authentication.k8s.io/v1, command: ${plugin}, interactiveMode: IfAvailable, provideClusterInfo: true}}`,
    );
    const r = await onTerminal(`${tsx} ${listPods} ${ns}`, { KUBECONFIG: file }, 'Enter the code from your phone: ', '424242');
    expect(r.output).toContain(`listed 1 pods in ${ns} as context h13a`);
    expect(r.code).toBe(0);
    expect(readFileSync(`${record}.stdin`, 'utf8')).toBe('tty\n');
    const info = JSON.parse(readFileSync(`${record}.info`, 'utf8')) as {
      apiVersion: string;
      spec: { interactive: boolean; cluster: { server: string } };
    };
    expect(info).toMatchObject({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', spec: { interactive: true } });
    expect(info.spec.cluster).toMatchObject({ server: cluster.facts.apiServer, 'certificate-authority-data': caData });
  });

  it('without a terminal the plugin gets no stdin, says not interactive, and its failure is one KT_ line', async () => {
    const record = join(dir, 'notty');
    const plugin = promptingPlugin(join(dir, 'notty.sh'), record);
    const file = kubeconfig(
      join(dir, 'exec-notty'),
      `{exec: {apiVersion: client.authentication.k8s.io/v1, command: ${plugin}, interactiveMode: IfAvailable}}`,
    );
    const r = await run(tsx, [listPods, ns], { env: { KUBECONFIG: file }, timeoutMs: 60_000 });
    expect(r.stdout.trim()).toBe(
      `error KT_CLUSTER_UNREACHABLE: The credential plugin ${plugin} of user "h13a-user" failed (exit status 7); its messages are above`,
    );
    // Its own stderr reached ours, as with kubectl.
    expect(r.stderr).toContain('wrong code');
    expect(readFileSync(`${record}.stdin`, 'utf8')).toBe('notty\n');
    expect(JSON.parse(readFileSync(`${record}.info`, 'utf8'))).toEqual({
      apiVersion: 'client.authentication.k8s.io/v1',
      kind: 'ExecCredential',
      spec: { interactive: false },
    });
  });
});

/** A free loopback port (bound, then released). */
async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('the ktctl binary on a terminal', () => {
  it('shows the plugin prompt, takes the typed code, logs in with the client certificate it returns, and forwards', async () => {
    const admin = readFileSync(cluster.kubeconfig(), 'utf8');
    const pem = (field: string) => Buffer.from(new RegExp(`${field}: (\\S+)`).exec(admin)![1]!, 'base64').toString('utf8');
    const credential = JSON.stringify({
      apiVersion: 'client.authentication.k8s.io/v1',
      kind: 'ExecCredential',
      status: { clientCertificateData: pem('client-certificate-data'), clientKeyData: pem('client-key-data') },
    });
    writeFileSync(join(dir, 'cert.json'), credential);
    const plugin = join(dir, 'cert.sh');
    writeFileSync(
      plugin,
      `#!/bin/sh\nprintf 'One-time code: ' >&2\nread code\n[ "$code" = 31337 ] || exit 9\ncat '${join(dir, 'cert.json')}'\n`,
    );
    chmodSync(plugin, 0o755);
    const file = kubeconfig(
      join(dir, 'exec-cert'),
      `{exec: {apiVersion: client.authentication.k8s.io/v1, command: ${plugin}, interactiveMode: IfAvailable}}`,
    );
    const port = await freePort();
    const ktctl = join(repo, '.cache', 'e2e', 'bin', 'ktctl');
    const child = spawn('script', ['-qfec', `${ktctl} forward echo ${port}:80 --kubeconfig ${file}`, '/dev/null'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      if (output.includes('One-time code: ') && !output.includes('31337')) child.stdin.write('31337\r');
    });
    try {
      await waitFor(async () => output.includes('Forwarding'), { timeoutMs: 60_000, what: `ktctl forward to start (output: ${output})` });
      const body = await new Promise<string>((resolve, reject) =>
        http
          .get(`http://127.0.0.1:${port}/`, (res) => {
            let b = '';
            res.on('data', (d: Buffer) => (b += d.toString())).on('end', () => resolve(b));
          })
          .on('error', reject),
      );
      expect(body.trim()).toBe('hello from echo');
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('close', r));
    }
  });
});

describe('under sudo', () => {
  const user = `h13a${randomBytes(3).toString('hex')}`;
  let home = '';
  let uid = 0;
  let gid = 0;
  beforeAll(async () => {
    await runOk('useradd', ['--create-home', '--shell', '/bin/sh', user]);
    home = (await runOk('sh', ['-c', `getent passwd ${user} | cut -d: -f6`])).trim();
    uid = Number((await runOk('id', ['-u', user])).trim());
    gid = Number((await runOk('id', ['-g', user])).trim());
  });
  afterAll(async () => {
    await run('userdel', ['--remove', user]);
  });

  it("reads the invoking user's ~/.kube/config and runs its exec plugin as them, leaving nothing of root's in their home", async () => {
    // A plugin that caches its token under ~/.kube/cache, as real ones (gke, aws, kubelogin) do.
    const plugin = join(home, 'bin', 'cred');
    mkdirSync(join(home, 'bin'));
    writeFileSync(
      plugin,
      `#!/bin/sh
mkdir -p "$HOME/.kube/cache"
echo "uid=$(id -u) gid=$(id -g) home=$HOME user=$USER" > "$HOME/.kube/cache/who"
echo '${token}' > "$HOME/.kube/cache/token"
echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"'"$(cat "$HOME/.kube/cache/token")"'"}}'
`,
    );
    chmodSync(plugin, 0o755);
    mkdirSync(join(home, '.kube'));
    // A relative command resolves against the kubeconfig's folder, as in kubectl.
    kubeconfig(
      join(home, '.kube', 'config'),
      `{exec: {apiVersion: client.authentication.k8s.io/v1, command: ../bin/cred, interactiveMode: Never}}`,
    );
    await runOk('chown', ['-R', `${user}:${user}`, home]);
    // What `sudo ktctl ...` hands us: root, root's HOME, and who asked.
    const sudoEnv = { HOME: '/root', USER: 'root', KUBECONFIG: '', SUDO_USER: user, SUDO_UID: String(uid), SUDO_GID: String(gid) };
    const r = await run(tsx, [listPods, ns], { env: sudoEnv, timeoutMs: 60_000 });
    expect(r.stdout.trim()).toBe(`listed 1 pods in ${ns} as context h13a`);
    expect(readFileSync(join(home, '.kube', 'cache', 'who'), 'utf8').trim()).toBe(`uid=${uid} gid=${gid} home=${home} user=${user}`);
    expect((await runOk('find', [home, '-not', '-user', user])).trim()).toBe('');
  });
});

describe('in a pod, with no kubeconfig', () => {
  const ref = `ktctl.local/h13a-ktctl:${Date.now()}`;
  const ctr = (...args: string[]) =>
    runOk('ctr', ['--address', cluster.facts.containerdSocket, '-n', 'k8s.io', ...args], { timeoutMs: 240_000 });
  afterAll(async () => {
    await ctr('images', 'rm', ref).catch(() => undefined);
  });

  it('the ktctl binary uses its service account (in-cluster config) to forward to a Service', async () => {
    // The binary e2e/prepare-ktctl.sh built, with the glibc libraries it links and busybox for the script.
    const bin = join(dir, 'ktctl');
    copyFileSync(join(repo, '.cache', 'e2e', 'bin', 'ktctl'), bin);
    const libs = (await runOk('ldd', [bin]))
      .split('\n')
      .map((l) => /(\/\S+) \(0x/.exec(l)?.[1])
      .filter((p): p is string => !!p);
    const layer = [
      { path: '/ktctl', from: bin, mode: 0o755 },
      ...libs.map((p) => ({ path: p, from: realpathSync(p) })),
      { path: '/tmp', dir: true as const, mode: 0o1777 },
      { path: '/bin/busybox', from: '/bin/busybox' },
      ...['sh', 'wget', 'sleep', 'seq'].map((a) => ({ path: `/bin/${a}`, symlink: 'busybox' })),
    ];
    const tar = join(dir, 'image.tar');
    await writeImageLayout(
      { ref, config: { entrypoint: ['/bin/sh', '-c'], workdir: '/tmp' }, platforms: [{ architecture: 'amd64', layers: [layer] }] },
      tar,
    );
    await ctr('images', 'import', tar);
    await cluster.kubectlOk(['-n', ns, 'create', 'rolebinding', 'default-edit', '--clusterrole=edit', `--serviceaccount=${ns}:default`]);
    const script = `/ktctl forward echo 18080:80 >/tmp/forward.log 2>&1 & for i in $(seq 60); do if wget -qO- http://127.0.0.1:18080/; then exit 0; fi; sleep 1; done; cat /tmp/forward.log; exit 1`;
    const manifest = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'ktctl', namespace: ns },
      spec: {
        restartPolicy: 'Never',
        containers: [{ name: 'ktctl', image: ref, imagePullPolicy: 'Never', args: [script], env: [{ name: 'HOME', value: '/tmp' }] }],
      },
    };
    await cluster.kubectlOk(['create', '-f', '-'], { input: JSON.stringify(manifest) });
    await waitFor(
      async () =>
        ['Succeeded', 'Failed'].includes((await cluster.getJson<{ status: { phase: string } }>(['-n', ns, 'pod', 'ktctl'])).status.phase),
      {
        timeoutMs: 110_000,
        what: 'the ktctl pod to finish',
      },
    );
    const logs = await cluster.kubectlOk(['-n', ns, 'logs', 'ktctl']);
    expect(logs).toContain('hello from echo');
    // Without its token mounted the same pod fails at once, in one line saying what is missing.
    const bare = {
      ...manifest,
      metadata: { name: 'ktctl-no-token', namespace: ns },
      spec: {
        ...manifest.spec,
        automountServiceAccountToken: false,
        containers: [{ ...manifest.spec.containers[0]!, args: ['/ktctl forward echo 18080:80; echo "exit=$?"'] }],
      },
    };
    await cluster.kubectlOk(['create', '-f', '-'], { input: JSON.stringify(bare) });
    await waitFor(
      async () => (await cluster.getJson<{ status: { phase: string } }>(['-n', ns, 'pod', 'ktctl-no-token'])).status.phase === 'Succeeded',
      { timeoutMs: 60_000, what: 'the pod without a token to finish' },
    );
    const failed = await cluster.kubectlOk(['-n', ns, 'logs', 'ktctl-no-token']);
    expect(failed).toContain('KT_CLUSTER_UNREACHABLE');
    expect(failed).toContain('no service-account token at /var/run/secrets/kubernetes.io/serviceaccount/token');
    expect(failed).toContain('exit=1');
    expect((await cluster.getJson<{ status: { phase: string } }>(['-n', ns, 'pod', 'ktctl'])).status.phase).toBe('Succeeded');
  });
});
