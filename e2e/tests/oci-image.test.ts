// @ktctl/oci-image's output is what the cluster runs: import a freshly built two-platform image into the
// node's containerd and run it as a pod (the same path the shadow image takes).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeImageLayout } from '@ktctl/oci-image';
import { afterAll, expect, it } from 'vitest';
import { runOk, useClusterEnv, waitFor } from '../harness/index.js';

const env = useClusterEnv(import.meta.filename);
const ref = `ktctl.local/oci-image-e2e:${Date.now()}`;
const dir = mkdtempSync(join(tmpdir(), 'oci-e2e-'));
const ctr = (...args: string[]) =>
  runOk('ctr', ['--address', env.cluster.facts.containerdSocket, '-n', 'k8s.io', ...args], { timeoutMs: 60_000 });

afterAll(async () => {
  await ctr('images', 'rm', ref).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

it('builds an image that ctr imports and the kubelet runs', async () => {
  const layers = [
    [
      { path: '/bin/busybox', from: '/bin/busybox' },
      { path: '/bin/sh', symlink: 'busybox' },
      { path: '/etc/greeting', content: 'hello from an oci-image layer\n' },
    ],
  ];
  const file = join(dir, 'image.tar');
  await writeImageLayout(
    {
      ref,
      config: {
        entrypoint: ['/bin/sh', '-c'],
        cmd: ['cat /etc/greeting; echo "user=$(id -u) cwd=$(pwd)"'],
        user: '65534',
        workdir: '/tmp',
      },
      platforms: [
        { architecture: 'amd64', layers },
        { architecture: 'arm64', layers },
      ],
    },
    file,
  );
  await ctr('images', 'import', file);
  expect(await ctr('images', 'ls', '-q')).toContain(ref);

  const ns = env.namespace.name;
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'oci', namespace: ns },
    spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: ref, imagePullPolicy: 'Never' }] },
  };
  await env.cluster.kubectlOk(['create', '-f', '-'], { input: JSON.stringify(pod) });
  await waitFor(async () => (await env.cluster.getJson(['-n', ns, 'pod', 'oci'])).status.phase === 'Succeeded', {
    timeoutMs: 60_000,
    what: 'the pod to run to completion',
  });
  const logs = await env.cluster.kubectlOk(['-n', ns, 'logs', 'oci']);
  expect(logs).toBe('hello from an oci-image layer\nuser=65534 cwd=/tmp\n');
});
