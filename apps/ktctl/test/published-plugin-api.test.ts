// @ktctl/plugin-api as a plugin author gets it from npm: packed the way the release publishes it (tools/release
// npm-stage), installed from the tarball into a project outside the repository, a plugin written there in
// TypeScript, type-checked against the tarball's declarations only, built, and loaded by the standalone binary:
// bundled CommonJS from ~/.kt/plugins (ktctl hands it its own plugin-api), and an ES module from KTCTL_PLUGINS
// importing the installed package itself (its UserError must still be shown as a ktctl error).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { freshKtHome, runWith, temporaryDir } from './run-ktctl.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const binDir = join(repo, 'apps', 'ktctl', 'dist', 'bin');
const bin = (name: string) => join(repo, 'node_modules', '.bin', name);
const project = temporaryDir('ktctl-plugin-author-');

const PLUGIN = `import { ErrorCode, UserError, defineCommand } from '@ktctl/plugin-api';

const greet = defineCommand({
  name: 'greet',
  description: 'Greets, built against the published @ktctl/plugin-api',
  positionals: [{ name: 'who', description: 'who to greet' }],
  flags: [{ name: 'loud', type: 'boolean', default: false, description: 'shout' }],
  handler(ctx) {
    const who = typeof ctx.args.who === 'string' ? ctx.args.who : 'world';
    if (who === 'nobody') throw new UserError(ErrorCode.InvalidFlag, 'nobody to greet', { hint: 'name someone' });
    const text = \`hi \${who} from \${ctx.version}\`;
    ctx.print(ctx.options.loud ? text.toUpperCase() : text);
  },
});

export const commands = [greet];
`;

function sh(command: string, args: string[], cwd = project): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.error ?? ''}${result.stdout}${result.stderr}`);
  return result.stdout;
}

beforeAll(() => {
  const packed = temporaryDir('ktctl-packed-');
  const out = sh(
    process.execPath,
    [
      '--import',
      'tsx',
      join(repo, 'tools', 'release', 'src', 'cli.ts'),
      'npm-stage',
      join(repo, 'packages', 'plugin-api'),
      join(packed, 'stage'),
      '--pack',
      packed,
    ],
    repo,
  );
  const tarball = /^packed (.+)$/m.exec(out)![1]!;
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'my-ktctl-plugin', version: '1.0.0', type: 'module', private: true }),
  );
  // The package has no dependencies: installing from the tarball needs no registry.
  sh('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball]);
  mkdirSync(join(project, 'src'));
  writeFileSync(join(project, 'src', 'index.ts'), PLUGIN);
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        outDir: 'esm',
        // Its declarations use Node's types (NodeJS.ProcessEnv): the author's own @types/node, here the repo's.
        types: ['node'],
        typeRoots: [join(repo, 'node_modules', '@types')],
      },
      include: ['src'],
    }),
  );
}, 120_000);

describe('a plugin built outside the repository against the packed @ktctl/plugin-api', () => {
  it('installs with exports that resolve to built JS and declarations (no TypeScript source)', () => {
    const installed = join(project, 'node_modules', '@ktctl', 'plugin-api');
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { exports: unknown };
    expect(JSON.stringify(manifest.exports)).not.toContain('src/');
    expect(
      sh(process.execPath, [
        '--input-type=module',
        '-e',
        "import('@ktctl/plugin-api').then((m) => console.log(typeof m.UserError, m.ErrorCode.InvalidFlag))",
      ]).trim(),
    ).toBe('function KT_INVALID_FLAG');
    expect(sh(process.execPath, ['-e', "console.log(typeof require('@ktctl/plugin-api').defineCommand)"]).trim()).toBe('function');
  });

  it('type-checks against the tarball alone, and a type error in the plugin is caught', () => {
    sh(process.execPath, [join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.']);
    writeFileSync(join(project, 'src', 'wrong.ts'), "import { defineCommand } from '@ktctl/plugin-api';\ndefineCommand({ name: 1 });\n");
    const wrong = spawnSync(process.execPath, [join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.', '--noEmit'], {
      cwd: project,
      encoding: 'utf8',
    });
    expect(wrong.status).not.toBe(0);
    expect(wrong.stdout).toContain('wrong.ts');
    rmSync(join(project, 'src', 'wrong.ts'));
  }, 300_000);

  it('loads into the standalone binary: bundled from ~/.kt/plugins, and as an ES module using the installed package', () => {
    const binary = join(temporaryDir('ktctl-bin-'), 'ktctl');
    copyFileSync(join(binDir, 'ktctl-linux-x64'), binary);
    spawnSync('chmod', ['+x', binary]);
    const home = freshKtHome();
    const pluginDir = join(home, '.kt', 'plugins', 'greet');
    mkdirSync(pluginDir, { recursive: true });
    sh(bin('esbuild'), [
      'src/index.ts',
      '--bundle',
      '--platform=node',
      '--format=cjs',
      '--external:@ktctl/plugin-api',
      `--outfile=${join(pluginDir, 'index.js')}`,
    ]);
    const run = (args: string[], env: NodeJS.ProcessEnv = {}) => runWith([binary], args, { PATH: '', HOME: home, ...env }, tmpdir());
    const version = run(['--version']).stdout.split('\n')[0]!;
    expect(run(['greet', 'Ada', '--loud'])).toMatchObject({ code: 0, stdout: `HI ADA FROM ${version}\n` });
    expect(run(['greet', 'nobody'])).toMatchObject({ code: 1, stderr: expect.stringContaining('nobody to greet') });

    // The ES module tsc wrote imports @ktctl/plugin-api from the project's node_modules: the packed copy itself.
    const esmHome = freshKtHome();
    const env = { HOME: esmHome, KTCTL_PLUGINS: join(project, 'esm', 'index.js') };
    expect(run(['greet', 'Bob'], env)).toMatchObject({ code: 0, stdout: `hi Bob from ${version}\n` });
    expect(run(['greet', 'nobody'], env)).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/nobody to greet.*\[KT_INVALID_FLAG\]/s),
    });
  });
});
