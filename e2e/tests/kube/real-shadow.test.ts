// The real shadow agent image started by ShadowManager and reached the way connect will: our WebSocket
// port-forward to its SSH port, OpenSSH with the run's private key, a direct-tcpip channel to a Service.
import { afterAll, describe, expect, it } from 'vitest';
import { KubeClient, ShadowManager, writePrivateKey, type ForwardStatus } from '@ktctl/kube';
import { generateSshKeyPair } from '@ktctl/tunnel/keys';
import { spawn } from 'node:child_process';
import { run, useClusterEnv, waitFor } from '../../harness/index.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const env = useClusterEnv(import.meta.filename);
const { cluster } = env;
const work = mkdtempSync(join(tmpdir(), 'kt-e2e-real-shadow-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The shadow image if the cluster has one imported (tools build it; there is no registry here). */
async function importedShadowImage(): Promise<string | undefined> {
  const r = await run('ctr', ['--address', cluster.facts.containerdSocket, '-n', 'k8s.io', 'images', 'ls', '-q']);
  const refs = r.stdout.split('\n');
  return refs.find((ref) => /^ghcr\.io\/ktctl\/shadow:/.test(ref)) ?? refs.find((ref) => /\/shadow:/.test(ref));
}
const image = await importedShadowImage();

/**
 * Runs ssh until its output matches, then stops it. (Waiting for ssh to exit would test the agent's
 * channel close after the server's FIN, which the agent's own tests cover.)
 */
function sshUntil(args: string[], input: string, want: RegExp, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('ssh', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => finish(new Error(`ssh: no ${want} within ${timeoutMs} ms: ${out}`)), timeoutMs);
    const finish = (err?: Error) => {
      clearTimeout(timer);
      child.kill('SIGTERM');
      if (err) reject(err);
      else resolve(out);
    };
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (want.test(out)) finish();
    });
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', (err) => finish(err));
    child.stdin.write(input);
  });
}

describe.runIf(image)('the real shadow agent', () => {
  it('accepts the run’s key over our port-forward and opens a channel to a Service', async () => {
    const kube = KubeClient.fromOptions({ kubeconfig: cluster.kubeconfig(), namespace: env.namespace.name });
    const handle = await new ShadowManager(kube).create({
      purpose: { kind: 'connect' },
      image: image!,
      keyDir: join(work, 'keys'),
      agent: { logLevel: 'debug' },
      customizePodSpec: (spec) => (spec.containers[0].imagePullPolicy = 'Never'),
    });
    const fwd = handle.forwarder(22);
    const local = await fwd.listen(0);
    try {
      const echoIP = await cluster.serviceIP(cluster.facts.testNamespace, 'echo');
      const ssh = [
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
        '-o',
        'ConnectTimeout=10',
      ];
      const out = await sshUntil(
        [...ssh, '-i', handle.privateKeyPath, '-p', String(local.port), '-W', `${echoIP}:80`, 'kt@127.0.0.1'],
        'GET / HTTP/1.0\r\n\r\n',
        /hello from echo-/,
      );
      expect(out).toMatch(/hello from echo-/);
      // A key that is not the run's is refused.
      const stranger = await writePrivateKey(join(work, 'stranger'), 'id', generateSshKeyPair());
      const other = await run('ssh', [...ssh, '-i', stranger.path, '-p', String(local.port), '-W', `${echoIP}:80`, 'kt@127.0.0.1'], {
        timeoutMs: 30_000,
      });
      expect(other.code).not.toBe(0);
      expect(other.stderr).toMatch(/Permission denied/);
    } finally {
      await local.close();
      fwd.close();
      await handle.cleanup();
      kube.close();
    }
  });

  it('comes back after the agent restarts in place (container restart, same pod), saying so', async () => {
    const kube = KubeClient.fromOptions({ kubeconfig: cluster.kubeconfig(), namespace: env.namespace.name });
    const statuses: ForwardStatus[] = [];
    // The container comes back before the pod is ever marked unready, so the forwarder's status (not the
    // shadow's progress) is what tells the user.
    const handle = await new ShadowManager(kube).create({
      purpose: { kind: 'connect' },
      image: image!,
      keyDir: join(work, 'keys'),
      customizePodSpec: (spec) => (spec.containers[0].imagePullPolicy = 'Never'),
    });
    const fwd = handle.forwarder(22, { onStatus: (s) => statuses.push(s), maxAttempts: 10 });
    try {
      const banner = async () => {
        const s = await fwd.connect();
        const text = await new Promise<string>((resolve, reject) =>
          s.once('data', (d: Buffer) => resolve(d.toString())).once('error', reject),
        );
        return { s, text };
      };
      const first = await banner();
      expect(first.text).toMatch(/^SSH-2.0-/);
      const dropped = new Promise<Error>((resolve) => first.s.once('error', resolve));
      // The agent is PID 1 of its container: ending it makes the kubelet restart the container in the same pod.
      await cluster.kubectlOk([
        '-n',
        env.namespace.name,
        'exec',
        handle.podName,
        '--',
        '/usr/local/bin/node',
        '-e',
        'process.kill(1, "SIGTERM")',
      ]);
      expect((await dropped).message).toMatch(/lost|dropped|refused/);
      await waitFor(() => statuses.at(-1)?.state === 'connected' && statuses.some((s) => s.state === 'reconnecting'), {
        timeoutMs: 60_000,
        what: 'connected again',
      });
      const again = await banner();
      expect(again.text).toMatch(/^SSH-2.0-/);
      again.s.destroy();
      // The kubelet reports the restart count a moment after the container is back.
      const restarts = async () =>
        (await cluster.getJson(['-n', env.namespace.name, 'pod', handle.podName])).status.containerStatuses[0].restartCount as number;
      await waitFor(async () => (await restarts()) > 0, { timeoutMs: 20_000, what: 'the restart to be counted' });
    } finally {
      fwd.close();
      await handle.cleanup();
      kube.close();
    }
  });
});
