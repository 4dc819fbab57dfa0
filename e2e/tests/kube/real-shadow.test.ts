// The real shadow agent image started by ShadowManager and reached the way connect will: our WebSocket
// port-forward to its SSH port, OpenSSH with the run's private key, a direct-tcpip channel to a Service.
import { describe, expect, it } from 'vitest';
import { KubeClient, ShadowManager } from '@ktctl/kube';
import { run, runOk, useClusterEnv } from '../../harness/index.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const env = useClusterEnv(import.meta.filename);
const { cluster } = env;

/** The shadow image if the cluster has one imported (tools build it; there is no registry here). */
async function importedShadowImage(): Promise<string | undefined> {
  const r = await run('ctr', ['--address', cluster.facts.containerdSocket, '-n', 'k8s.io', 'images', 'ls', '-q']);
  const refs = r.stdout.split('\n');
  return refs.find((ref) => /^ghcr\.io\/ktctl\/shadow:/.test(ref)) ?? refs.find((ref) => /\/shadow:/.test(ref));
}
const image = await importedShadowImage();

describe.runIf(image)('the real shadow agent', () => {
  it('accepts the run’s key over our port-forward and opens a channel to a Service', async () => {
    const kube = KubeClient.fromOptions({ kubeconfig: cluster.kubeconfig(), namespace: env.namespace.name });
    const handle = await new ShadowManager(kube).create({ purpose: { kind: 'connect' }, image: image!, keyDir: mkdtempSync(join(tmpdir(), 'kt-e2e-keys-')), agent: { logLevel: 'debug' } });
    const fwd = handle.forwarder(22);
    const local = await fwd.listen(0);
    try {
      const echoIP = await cluster.serviceIP(cluster.facts.testNamespace, 'echo');
      const ssh = ['-F', '/dev/null', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-o', 'IdentitiesOnly=yes', '-o', 'ConnectTimeout=10'];
      const out = await runOk('ssh', [...ssh, '-i', handle.privateKeyPath, '-p', String(local.port), '-W', `${echoIP}:80`, 'kt@127.0.0.1'], { input: 'GET / HTTP/1.0\r\n\r\n', timeoutMs: 30_000 });
      expect(out).toMatch(/hello from echo-/);
      // A key that is not the run's is refused.
      const other = await run('ssh', [...ssh, '-i', '/dev/null', '-p', String(local.port), '-W', `${echoIP}:80`, 'kt@127.0.0.1'], { timeoutMs: 30_000 });
      expect(other.code).not.toBe(0);
    } finally {
      await local.close();
      fwd.close();
      await handle.cleanup();
      kube.close();
    }
  });
});
