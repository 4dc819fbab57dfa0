import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { temporaryDir } from '../test/run-ktctl.js';
import { commandProblem, loadOutsidePlugins, pluginLocations } from './plugins.js';

function pluginFile(dir: string, name: string, body: string): string {
  const file = join(dir, name);
  writeFileSync(file, body);
  return file;
}

describe('outside plugins', () => {
  const dir = temporaryDir('ktctl-plugins-');
  const good = pluginFile(
    dir,
    'good.cjs',
    `
    const { defineCommand } = require('@ktctl/plugin-api');
    exports.commands = [defineCommand({ name: 'greet', description: 'hi', handler() {} })];`,
  );
  const esm = pluginFile(dir, 'esm.mjs', `export const commands = [{ name: 'esm-cmd', description: 'from ESM', handler() {} }];`);
  const throws = pluginFile(dir, 'throws.cjs', `throw new Error('boom at load');`);
  const shapeless = pluginFile(dir, 'shapeless.cjs', `exports.something = 1;`);
  const clash = pluginFile(dir, 'clash.cjs', `exports.commands = [{ name: 'config', description: 'mine', handler() {} }];`);
  const invalid = pluginFile(
    dir,
    'invalid.cjs',
    `exports.commands = [{ name: 'Bad Name', description: 'x', handler() {} }, { name: 'ok', description: 'x' }];`,
  );

  it('loads good plugins (CommonJS using the host plugin API, and ES modules) and skips bad ones with a warning', () => {
    const result = loadOutsidePlugins([good, esm, throws, shapeless, clash, invalid], new Set(['config']));
    expect(result.commands.map((c) => c.name)).toEqual(['greet', 'esm-cmd']);
    expect(result.warnings).toEqual([
      `plugin ${throws} failed to load: boom at load; skipped`,
      `plugin ${shapeless} does not export "commands" (an array of command definitions); skipped`,
      `plugin ${clash}: command "config" is already defined; skipped`,
      `plugin ${invalid}: command name "Bad Name" must be lower-case letters, digits and "-"; skipped`,
      `plugin ${invalid}: command ok has neither a handler nor subcommands; skipped`,
    ]);
  });

  it('finds plugins in $KTCTL_PLUGINS, then in ~/.kt/plugins, and reads a folder through its package.json', () => {
    const home = temporaryDir('ktctl-home-');
    const pkg = join(home, 'plugins', 'acme');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ main: 'lib/main.cjs' }));
    mkdirSync(join(pkg, 'lib'));
    writeFileSync(join(pkg, 'lib', 'main.cjs'), `exports.commands = [{ name: 'acme', description: 'a', handler() {} }];`);
    const locations = pluginLocations({ KTCTL_PLUGINS: good }, home);
    expect(locations).toEqual([good, pkg]);
    expect(loadOutsidePlugins(locations, new Set()).commands.map((c) => c.name)).toEqual(['greet', 'acme']);
  });

  it('checks nested subcommands and flag types', () => {
    expect(commandProblem({ name: 'x', description: 'd', subcommands: [{ name: 'y', description: 'd', handler: 1 }] })).toBe(
      'command y: handler must be a function',
    );
    expect(commandProblem({ name: 'x', description: 'd', handler() {}, flags: [{ name: 'f', type: 'date' }] })).toMatch(
      /flag "f" needs a name and a type/,
    );
  });
});
