import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { hasCodeSignature, loadCommands } from '../scripts/macho.js';
import { freshKtHome, runWith, temporaryDir } from './run-ktctl.js';

const binDir = fileURLToPath(new URL('../dist/bin/', import.meta.url));
const examplePlugin = fileURLToPath(new URL('../../../examples/plugin-hello/', import.meta.url));
const version = (JSON.parse(readFileSync(fileURLToPath(new URL('../package.json', import.meta.url)), 'utf8')) as { version: string })
  .version;
const SEA_FUSE_ON = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2:1';

/** The linux-x64 binary copied alone into an empty folder: nothing from the repo beside it. */
function isolatedBinary(): string {
  const dir = temporaryDir('ktctl-bin-');
  const binary = join(dir, 'ktctl');
  copyFileSync(join(binDir, 'ktctl-linux-x64'), binary);
  spawnSync('chmod', ['+x', binary]);
  return binary;
}

describe('the standalone linux-x64 binary', () => {
  const binary = isolatedBinary();
  // An empty PATH: no node, no npm, nothing but the binary itself.
  const run = (args: string[], env: NodeJS.ProcessEnv = {}) => runWith([binary], args, { PATH: '', HOME: freshKtHome(), ...env }, tmpdir());

  it('runs with an empty PATH and no node_modules next to it', () => {
    expect(run(['--version'])).toMatchObject({ code: 0, stdout: `${version}\nshadow image: ghcr.io/ktctl/shadow:${version}\n` });
    expect(run(['--help']).stdout).toContain('ktctl config');
    expect(spawnSync('sh', ['-c', `PATH= ; command -v node`]).status).not.toBe(0);
  });

  it('runs the config command against ~/.kt of the invoking user', () => {
    const home = freshKtHome();
    expect(run(['config', 'set', 'global.namespace=dev'], { HOME: home }).code).toBe(0);
    expect(readFileSync(join(home, '.kt', 'config'), 'utf8')).toBe('global:\n  namespace: dev\n');
    expect(run(['config', 'show'], { HOME: home }).stdout).toBe('global:\n  namespace: dev\n');
    expect(run(['confg'])).toMatchObject({ code: 2, stderr: expect.stringContaining('[KT_UNKNOWN_COMMAND]') });
  });

  it('loads the example outside plugin from ~/.kt/plugins, and an ES module plugin from KTCTL_PLUGINS', () => {
    const home = freshKtHome();
    const pluginDir = join(home, '.kt', 'plugins', 'hello');
    mkdirSync(join(pluginDir, 'dist'), { recursive: true });
    cpSync(join(examplePlugin, 'package.json'), join(pluginDir, 'package.json'));
    cpSync(join(examplePlugin, 'dist', 'index.cjs'), join(pluginDir, 'dist', 'index.cjs'));
    expect(run(['hello', 'Ada', '--shout', '-n', 'dev'], { HOME: home })).toMatchObject({
      code: 0,
      stdout: 'HELLO, ADA! (NAMESPACE: DEV)\n',
    });
    const esm = join(temporaryDir('ktctl-esm-'), 'plugin.mjs');
    writeFileSync(esm, `export const commands = [{ name: 'esm-hi', description: 'x', handler: (ctx) => ctx.print('esm ok') }];`);
    expect(run(['esm-hi'], { HOME: home, KTCTL_PLUGINS: esm })).toMatchObject({ code: 0, stdout: 'esm ok\n' });
  });
});

describe('the binaries for other platforms', () => {
  const cases = [
    ['ktctl-linux-arm64', Buffer.from([0x7f, 0x45, 0x4c, 0x46])],
    ['ktctl-darwin-x64', Buffer.from([0xcf, 0xfa, 0xed, 0xfe])],
    ['ktctl-win-x64.exe', Buffer.from('MZ')],
  ] as const;
  it.each(cases)('%s is an executable of its format with the ktctl blob injected', (name, magic) => {
    const content = readFileSync(join(binDir, name));
    expect(content.subarray(0, magic.length)).toEqual(magic);
    expect(content.includes(SEA_FUSE_ON)).toBe(true);
    expect(content.includes('Work on your laptop as if it were inside your Kubernetes cluster.')).toBe(true);
  });

  it('ktctl-darwin-x64 has its blob in a NODE_SEA segment and no stale signature (macOS kills a broken one)', () => {
    const file = readFileSync(join(binDir, 'ktctl-darwin-x64'));
    const commands = loadCommands(file);
    expect(hasCodeSignature(file)).toBe(false);
    expect(commands.map((c) => c.segment).filter(Boolean)).toEqual([
      '__PAGEZERO',
      '__TEXT',
      '__DATA_CONST',
      '__DATA',
      'NODE_SEA',
      '__LINKEDIT',
    ]);
    const linkedit = commands.find((c) => c.segment === '__LINKEDIT')!;
    expect(file.readBigUInt64LE(linkedit.offset + 40) + file.readBigUInt64LE(linkedit.offset + 48)).toBe(BigInt(file.length));
  });

  it('has its checksum listed in SHA256SUMS', () => {
    const sums = readFileSync(join(binDir, 'SHA256SUMS'), 'utf8');
    for (const name of ['ktctl-linux-x64', 'ktctl-linux-arm64', 'ktctl-darwin-x64', 'ktctl-win-x64.exe']) {
      expect(sums).toMatch(new RegExp(`^[0-9a-f]{64}  ${name.replace('.', '\\.')}$`, 'm'));
    }
  });
});
