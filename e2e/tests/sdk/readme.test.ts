// @ktctl/sdk as a user gets it from npm: it and @ktctl/plugin-api packed the way the release publishes them
// (tools/release npm-stage), installed from the tarballs in a project outside the repository, the README's
// example type-checked against the packed declarations and run as written (the admin kubeconfig as
// KUBECONFIG, this file's namespace as KT_NAMESPACE): a local server previewed as a Service, reached back
// through that Service with forward; afterwards nothing of it is left in the namespace.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, runOk, useClusterEnv } from '../../harness/index.js';

const env = useClusterEnv(import.meta.filename);
const repo = fileURLToPath(new URL('../../../', import.meta.url));
const project = mkdtempSync(join(tmpdir(), 'ktctl-sdk-user-'));
afterAll(() => rmSync(project, { recursive: true, force: true }));

beforeAll(async () => {
  const tarballs: string[] = [];
  for (const pkg of ['plugin-api', 'sdk']) {
    const out = await runOk(
      join(repo, 'node_modules', '.bin', 'tsx'),
      [
        join(repo, 'tools', 'release', 'src', 'cli.ts'),
        'npm-stage',
        join(repo, 'packages', pkg),
        join(project, 'stage', pkg),
        '--pack',
        project,
      ],
      { timeoutMs: 180_000 },
    );
    tarballs.push(/^packed (.+)$/m.exec(out)![1]!);
  }
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'sdk-user', version: '1.0.0', type: 'module', private: true }));
  // The sdk bundles what it runs; its one dependency is the other tarball: no registry needed.
  await runOk('sh', ['-c', `cd "${project}" && npm install --offline --no-audit --no-fund ${tarballs.map((t) => `"${t}"`).join(' ')}`], {
    timeoutMs: 120_000,
  });
  const readme = readFileSync(join(repo, 'packages', 'sdk', 'README.md'), 'utf8');
  const code = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!code) throw new Error('packages/sdk/README.md has no ts example');
  // The example is TypeScript without annotations: type-checked as .ts, run by node as .mjs.
  writeFileSync(join(project, 'example.ts'), code);
  writeFileSync(join(project, 'example.mjs'), code);
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noEmit: true,
        types: ['node'],
        typeRoots: [join(repo, 'node_modules', '@types')],
      },
      files: ['example.ts'],
    }),
  );
}, 400_000);

describe('the @ktctl/sdk README example, from the packed package', () => {
  it('type-checks against the published declarations', async () => {
    const tsc = await run(process.execPath, [join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project], {
      timeoutMs: 240_000,
    });
    expect(tsc.code, tsc.stdout + tsc.stderr).toBe(0);
  }, 300_000);

  it('previews a local server and reaches it back through the cluster, leaving nothing behind', async () => {
    const ns = env.namespace.name;
    const result = await run('sh', ['-c', `cd "${project}" && exec node example.mjs`], {
      env: { KUBECONFIG: env.cluster.kubeconfig('admin'), KT_NAMESPACE: ns },
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
