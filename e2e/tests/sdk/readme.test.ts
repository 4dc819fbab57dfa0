// @ktctl/sdk's README example, run as written (a child process of this machine, the admin kubeconfig as
// KUBECONFIG, this file's namespace as KT_NAMESPACE): preview a local server as a Service, forward to that
// Service, the answer comes back through the cluster; afterwards nothing of it is left in the namespace.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { run, useClusterEnv } from '../../harness/index.js';

const env = useClusterEnv(import.meta.filename);
const sdkDir = fileURLToPath(new URL('../../../packages/sdk/', import.meta.url));
let example: string;

beforeAll(() => {
  const readme = readFileSync(join(sdkDir, 'README.md'), 'utf8');
  const code = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!code) throw new Error('packages/sdk/README.md has no ts example');
  // Inside the package (dist/ is ignored), so '@ktctl/sdk' resolves as it would for a user.
  mkdirSync(join(sdkDir, 'dist'), { recursive: true });
  example = join(sdkDir, 'dist', 'readme-example.ts');
  writeFileSync(example, code);
});

describe('the @ktctl/sdk README example', () => {
  it('previews a local server and reaches it back through the cluster, leaving nothing behind', async () => {
    const ns = env.namespace.name;
    const result = await run(join(sdkDir, '..', '..', 'node_modules', '.bin', 'tsx'), [example], {
      env: { ...process.env, KUBECONFIG: env.cluster.kubeconfig('admin'), KT_NAMESPACE: ns },
      timeoutMs: 180_000,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^hello \(10\.96\.\d+\.\d+\) answered: hello from my laptop$/m);
    expect(await env.cluster.kubectlOk(['-n', ns, 'get', 'services', '-o', 'name'])).toBe('');
    // The shadow pod is gone or on its way out (deletion started by close()).
    const pods = await env.cluster.getJson<{ items: { metadata: { name: string; deletionTimestamp?: string } }[] }>(['pods', '-n', ns]);
    expect(pods.items.filter((p) => !p.metadata.deletionTimestamp).map((p) => p.metadata.name)).toEqual([]);
  }, 240_000);
});
