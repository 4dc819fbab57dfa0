import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadKubeconfig } from '../kubeconfig.js';
import { ExecCredentialProvider } from './exec-credential.js';
import { Credentials } from './credentials.js';

const dir = mkdtempSync(join(tmpdir(), 'kt-exec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A plugin that records KUBERNETES_EXEC_INFO and its stdin kind, then prints `status`. */
function plugin(name: string, status: string, exit = 0, version = 'v1'): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    `#!/bin/sh\nprintf '%s' "$KUBERNETES_EXEC_INFO" > "${path}.info"\necho run >> "${path}.runs"\necho "plugin says hi" >&2\n` +
      `[ ${exit} = 0 ] || exit ${exit}\necho '{"apiVersion":"client.authentication.k8s.io/${version}","kind":"ExecCredential","status":${status}}'\n`,
  );
  chmodSync(path, 0o755);
  return path;
}
const runs = (path: string) => readFileSync(`${path}.runs`, 'utf8').split('\n').filter(Boolean).length;

describe('exec credential plugins', () => {
  it('passes KUBERNETES_EXEC_INFO with the cluster when provideClusterInfo, and caches until expiry', async () => {
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const cmd = plugin('p1', `{"token":"t1","expirationTimestamp":"${later}"}`);
    const kubeconfig = join(dir, 'kc1');
    writeFileSync(
      kubeconfig,
      `apiVersion: v1
kind: Config
current-context: x
clusters:
- name: c
  cluster:
    server: https://10.0.0.1:6443
    certificate-authority-data: ${Buffer.from('CA').toString('base64')}
    proxy-url: http://proxy:3128
    extensions: [{name: client.authentication.k8s.io/exec, extension: {audience: kt}}]
users: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: ./p1, interactiveMode: IfAvailable, provideClusterInfo: true}}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
`,
    );
    const loaded = loadKubeconfig({ kubeconfig, env: {} });
    const creds = new Credentials(loaded.kubeConfig, loaded.extras, { PATH: process.env.PATH });
    const [a, b] = await Promise.all([creds.apply(), creds.apply()]);
    expect(a.headers.Authorization).toBe('Bearer t1');
    expect(b.headers.Authorization).toBe('Bearer t1');
    await creds.apply();
    expect(runs(cmd)).toBe(1);
    expect(JSON.parse(readFileSync(`${cmd}.info`, 'utf8'))).toEqual({
      apiVersion: 'client.authentication.k8s.io/v1',
      kind: 'ExecCredential',
      spec: {
        interactive: false,
        cluster: {
          server: 'https://10.0.0.1:6443',
          'certificate-authority-data': Buffer.from('CA').toString('base64'),
          'proxy-url': 'http://proxy:3128',
          config: { audience: 'kt' },
        },
      },
    });
    expect(creds.invalidate()).toBe(true);
    await creds.apply();
    expect(runs(cmd)).toBe(2);
  });

  it('runs the plugin again once the credential expired, and takes a client certificate from it', async () => {
    const cmd = plugin('p2', `{"clientCertificateData":"CERT","clientKeyData":"KEY","expirationTimestamp":"2000-01-01T00:00:00Z"}`);
    const p = new ExecCredentialProvider(
      { apiVersion: 'client.authentication.k8s.io/v1', command: cmd, interactiveMode: 'Never' },
      { user: 'u', stdinIsTerminal: true },
    );
    expect(await p.get()).toMatchObject({ clientCertificateData: 'CERT', clientKeyData: 'KEY' });
    await p.get();
    expect(runs(cmd)).toBe(2);
    expect(JSON.parse(readFileSync(`${cmd}.info`, 'utf8')).spec).toEqual({ interactive: false });
  });

  it('says interactive when stdin is a terminal (IfAvailable, v1beta1 default) and refuses Always without one', async () => {
    const cmd = plugin('p3', `{"token":"t"}`, 0, 'v1beta1');
    const beta = new ExecCredentialProvider(
      { apiVersion: 'client.authentication.k8s.io/v1beta1', command: cmd },
      { user: 'u', stdinIsTerminal: true },
    );
    await beta.get();
    expect(JSON.parse(readFileSync(`${cmd}.info`, 'utf8'))).toMatchObject({
      apiVersion: 'client.authentication.k8s.io/v1beta1',
      spec: { interactive: true },
    });
    const always = new ExecCredentialProvider(
      { apiVersion: 'client.authentication.k8s.io/v1', command: cmd, interactiveMode: 'Always' },
      { user: 'u', stdinIsTerminal: false },
    );
    await expect(always.get()).rejects.toMatchObject({ code: 'KT_INVALID_CONFIG', message: expect.stringContaining('needs a terminal') });
  });

  it('fails in one line with a KT_ code: missing plugin (with its install hint), failing plugin, bad output, no interactiveMode', async () => {
    const v1 = 'client.authentication.k8s.io/v1';
    const missing = new ExecCredentialProvider(
      { apiVersion: v1, command: join(dir, 'nope'), interactiveMode: 'Never', installHint: 'brew install\nnope' },
      { user: 'u' },
    );
    await expect(missing.get()).rejects.toMatchObject({ code: 'KT_INVALID_CONFIG', hint: 'brew install nope' });
    const failing = new ExecCredentialProvider({ apiVersion: v1, command: plugin('p4', '{}', 3), interactiveMode: 'Never' }, { user: 'u' });
    await expect(failing.get()).rejects.toMatchObject({
      code: 'KT_CLUSTER_UNREACHABLE',
      message: expect.stringContaining('failed (exit status 3)'),
    });
    const empty = new ExecCredentialProvider({ apiVersion: v1, command: plugin('p5', '{}'), interactiveMode: 'Never' }, { user: 'u' });
    await expect(empty.get()).rejects.toMatchObject({
      code: 'KT_CLUSTER_UNREACHABLE',
      message: expect.stringContaining('neither a token'),
    });
    const wrongVersion = new ExecCredentialProvider(
      { apiVersion: 'client.authentication.k8s.io/v1beta1', command: plugin('p6', '{"token":"t"}'), interactiveMode: 'Never' },
      { user: 'u' },
    );
    await expect(wrongVersion.get()).rejects.toMatchObject({
      message: expect.stringContaining('apiVersion "client.authentication.k8s.io/v1" where'),
    });
    const noMode = new ExecCredentialProvider({ apiVersion: v1, command: '/bin/true' }, { user: 'u' });
    await expect(noMode.get()).rejects.toMatchObject({
      code: 'KT_INVALID_CONFIG',
      message: expect.stringContaining('sets no interactiveMode'),
    });
    for (const e of [missing, failing, empty, wrongVersion, noMode])
      await e.get().catch((err: Error) => expect(err.message).not.toContain('\n'));
  });
});

describe('in-cluster configuration', () => {
  it('is used when no kubeconfig exists, and re-reads the rotated token', async () => {
    const sa = join(dir, 'sa');
    rmSync(sa, { recursive: true, force: true });
    const { mkdirSync } = await import('node:fs');
    mkdirSync(sa);
    writeFileSync(join(sa, 'token'), 'tok-1\n');
    writeFileSync(join(sa, 'ca.crt'), 'CA');
    writeFileSync(join(sa, 'namespace'), 'team');
    const env = { HOME: join(dir, 'nohome'), KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' };
    const loaded = loadKubeconfig({ env, serviceAccountDir: sa });
    expect(loaded.context).toBe('in-cluster');
    expect(loaded.contextNamespace).toBe('team');
    expect(loaded.kubeConfig.getCurrentCluster()?.server).toBe('https://[fd00::1]:443');
    const creds = new Credentials(loaded.kubeConfig, loaded.extras, env);
    expect((await creds.apply()).headers.Authorization).toBe('Bearer tok-1');
    writeFileSync(join(sa, 'token'), 'tok-2');
    // Within a minute the cached token is used; a 401 makes it look again.
    expect((await creds.apply()).headers.Authorization).toBe('Bearer tok-1');
    expect(creds.invalidate()).toBe(true);
    expect((await creds.apply()).headers.Authorization).toBe('Bearer tok-2');
    rmSync(join(sa, 'token'));
    creds.invalidate();
    await expect(creds.apply()).rejects.toMatchObject({
      code: 'KT_INVALID_CONFIG',
      message: expect.stringContaining("Cannot read the pod's service-account token"),
    });
    // A pod without its token mounted: one line saying what is missing.
    expect(() => loadKubeconfig({ env, serviceAccountDir: sa })).toThrow(
      expect.objectContaining({
        code: 'KT_CLUSTER_UNREACHABLE',
        message: expect.stringContaining(`and no service-account token at ${join(sa, 'token')}`),
      }),
    );
    // Not a pod: the usual "no kubeconfig" error.
    expect(() => loadKubeconfig({ env: { HOME: env.HOME }, serviceAccountDir: sa })).toThrow(
      expect.objectContaining({
        code: 'KT_CLUSTER_UNREACHABLE',
        hint: 'Pass --kubeconfig <file>, set KUBECONFIG, or create ~/.kube/config',
      }),
    );
  });
});
