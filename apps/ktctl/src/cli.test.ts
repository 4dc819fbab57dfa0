import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freshKtHome, runWith } from '../test/run-ktctl.js';

const bundle = fileURLToPath(new URL('../dist/ktctl.cjs', import.meta.url));
const examplePlugin = fileURLToPath(new URL('../../../examples/plugin-hello', import.meta.url));
const version = (JSON.parse(readFileSync(fileURLToPath(new URL('../package.json', import.meta.url)), 'utf8')) as { version: string })
  .version;

function ktctl(args: string[], env: NodeJS.ProcessEnv = {}) {
  const home = env.KT_HOME ?? freshKtHome();
  return runWith([process.execPath, bundle], args, { PATH: process.env.PATH, KT_HOME: home, ...env });
}

describe('ktctl CLI', () => {
  it('prints its version and help', () => {
    expect(ktctl(['--version'])).toMatchObject({ code: 0, stdout: `${version}\nshadow image: ghcr.io/ktctl/shadow:${version}\n` });
    const help = ktctl(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('ktctl config');
    expect(help.stdout).toContain('--portForwardTimeout, --port-forward-timeout');
    expect(ktctl(['config', 'set', '--help']).stdout).toContain('ktctl config set <key> [value]');
  });

  it('--version names the image --image, KT_IMAGE_REGISTRY or global.imageRegistry in ~/.kt/config make it pull', () => {
    const home = freshKtHome();
    expect(ktctl(['config', 'set', 'global.imageRegistry=registry.corp:5000/'], { KT_HOME: home }).code).toBe(0);
    expect(ktctl(['--version'], { KT_HOME: home }).stdout).toBe(`${version}\nshadow image: registry.corp:5000/ktctl/shadow:${version}\n`);
    expect(ktctl(['--version'], { KT_HOME: home, KT_IMAGE_REGISTRY: 'mirror.local' }).stdout).toContain(
      `shadow image: mirror.local/ktctl/shadow:${version}\n`,
    );
    expect(ktctl(['--version', '--imageRegistry', 'flag.local'], { KT_HOME: home }).stdout).toContain(`flag.local/ktctl/shadow:${version}`);
    expect(ktctl(['--version', '--image', 'my/shadow:dev'], { KT_HOME: home }).stdout).toBe(`${version}\nshadow image: my/shadow:dev\n`);
  });

  it('suggests the closest command or flag and exits 2 on usage errors', () => {
    expect(ktctl(['confg'])).toMatchObject({
      code: 2,
      stderr: 'error: Unknown command "confg". Did you mean "config"? [KT_UNKNOWN_COMMAND]\n',
    });
    expect(ktctl(['config', 'shwo'])).toMatchObject({
      code: 2,
      stderr: 'error: Unknown command "shwo". Did you mean "show"? [KT_UNKNOWN_COMMAND]\n',
    });
    expect(ktctl(['config', 'show', '--namspace', 'x'])).toMatchObject({
      code: 2,
      stderr: 'error: Unknown flag "--namspace". Did you mean --namespace? [KT_UNKNOWN_FLAG]\n',
    });
    expect(ktctl([]).code).toBe(2);
  });

  it('accepts camelCase and kebab-case flags and validates their values', () => {
    const bad = ktctl(['config', 'show', '--port-forward-timeout', 'soon']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/KT_INVALID_FLAG|expected a number|Invalid values/);
    expect(ktctl(['config', 'show', '--portForwardTimeout', '5']).code).toBe(0);
  });

  it('runs the config workflow: set (both spellings), get, show, profiles, unset', () => {
    const env = { KT_HOME: freshKtHome() };
    expect(ktctl(['config', 'set', 'global.namespace=dev'], env).code).toBe(0);
    expect(ktctl(['config', 'set', 'global.podCreationTimeout', '90'], env).code).toBe(0);
    expect(ktctl(['config', 'get', 'global.podCreationTimeout'], env).stdout).toBe('90\n');
    expect(ktctl(['config', 'show'], env).stdout).toBe('global:\n  namespace: dev\n  podCreationTimeout: 90\n');
    expect(ktctl(['config', 'show', '--all'], env).stdout).toContain('global.portForwardTimeout = 10 (default)\n');
    expect(ktctl(['config', 'save-profile', 'team'], env).code).toBe(0);
    expect(ktctl(['config', 'unset', '--all'], env).code).toBe(0);
    expect(ktctl(['config', 'get', 'global.namespace'], env)).toMatchObject({ code: 1, stdout: '' });
    expect(ktctl(['config', 'list-profile'], env).stdout).toBe('team\n');
    expect(ktctl(['config', 'load-profile', 'team', '--dry-run'], env).stdout).toContain('namespace: dev');
    expect(ktctl(['config', 'show'], env).stdout).toContain('nothing set');
    expect(ktctl(['config', 'load-profile', 'team'], env).code).toBe(0);
    expect(ktctl(['config', 'get', 'global.namespace'], env).stdout).toBe('dev\n');
    expect(ktctl(['config', 'drop-profile', 'team'], env).code).toBe(0);
    expect(ktctl(['config', 'drop-profile', 'team'], env)).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('[KT_PROFILE_NOT_FOUND]'),
    });
  });

  it('explains config mistakes in one line with a stable code and no stack', () => {
    const unknown = ktctl(['config', 'set', 'global.nmespace', 'x']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
    expect(unknown.stderr).toMatch(
      /^error: Unknown config key "global.nmespace". Keys of global: .*global.namespace.* \[KT_CONFIG_KEY_UNKNOWN\]\n$/,
    );
    expect(ktctl(['config', 'save-profile', '../evil'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('[KT_PROFILE_NAME_INVALID]'),
    });
  });

  it('takes defaults from KT_* variables, below flags', () => {
    const env = { KTCTL_PLUGINS: examplePlugin, KT_NAMESPACE: 'from-env' };
    expect(ktctl(['hello', 'Ada'], env).stdout).toBe('Hello, Ada! (namespace: from-env)\n');
    expect(ktctl(['hello', 'Ada', '-n', 'from-flag'], env).stdout).toBe('Hello, Ada! (namespace: from-flag)\n');
    expect(ktctl(['hello'], { ...env, KT_NAMESPACE: undefined, KT_HELLO_GREETING: 'Hi' }).stdout).toBe(
      'Hi, world! (namespace: from kubeconfig)\n',
    );
    expect(ktctl(['hello'], { ...env, KT_PORT_FORWARD_TIMEOUT: 'x' })).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('KT_PORT_FORWARD_TIMEOUT=x'),
    });
  });

  it('loads an outside plugin, shows its user errors like built-in ones, and survives a broken one', () => {
    const env = { KTCTL_PLUGINS: `${examplePlugin}:${join(examplePlugin, 'does-not-exist.cjs')}` };
    const run = ktctl(['hello', 'nobody'], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('warning: plugin');
    expect(run.stderr).toContain('error: There is nobody to greet. Name someone, e.g. "ktctl hello Ada". [KT_HELLO_NOBODY]\n');
    expect(ktctl(['config', 'show'], env).code).toBe(0);
  });
});
