import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isUserError, type FlagSpec } from '@ktctl/plugin-api';
import { ConfigStore } from './store.js';
import { globalFlags } from './global-flags.js';

const connect: FlagSpec[] = [
  { name: 'mode', type: 'string', default: 'tun2socks', choices: ['tun2socks', 'sshuttle'], description: '' },
  { name: 'proxyPort', type: 'number', default: 2223, description: '' },
  { name: 'skipCleanup', type: 'boolean', default: false, configurable: false, description: '' },
];
let home: string;
let store: ConfigStore;

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'kt-config-'));
  store = new ConfigStore(
    home,
    new Map<string, readonly FlagSpec[]>([
      ['global', globalFlags],
      ['connect', connect],
    ]),
  );
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (isUserError(error)) return `${error.code}: ${error.message}`;
    throw error;
  }
  throw new Error('expected a user error');
}

describe('ConfigStore', () => {
  it('sets typed values, reads them back and keeps the file as YAML', async () => {
    await store.set('global.namespace', 'dev');
    await store.set('connect.proxyPort', '3000');
    await store.set('global.debug', 'true');
    expect(await store.get('connect.proxyPort')).toBe(3000);
    expect(readFileSync(join(home, 'config'), 'utf8')).toBe('global:\n  namespace: dev\n  debug: true\nconnect:\n  proxyPort: 3000\n');
  });

  it('refuses unknown keys and bad values, naming what is allowed', async () => {
    expect(await codeOf(store.set('connect.nope', '1'))).toBe('KT_CONFIG_KEY_UNKNOWN: Unknown config key "connect.nope"');
    expect(await codeOf(store.set('namespace', 'x'))).toMatch(/^KT_CONFIG_KEY_UNKNOWN/);
    expect(await codeOf(store.set('connect.skipCleanup', 'true'))).toMatch(/^KT_CONFIG_KEY_UNKNOWN/);
    expect(await codeOf(store.set('connect.mode', 'vpn'))).toBe(
      'KT_INVALID_CONFIG: Invalid value for connect.mode: expected one of tun2socks, sshuttle',
    );
    expect(await codeOf(store.set('connect.proxyPort', 'x'))).toMatch(/expected a number/);
  });

  it('reports a hand-edited file problem with the file and the key path', async () => {
    writeFileSync(join(home, 'config'), 'connect:\n  mode: vpn\n  color: blue\n');
    const message = await codeOf(store.read());
    expect(message).toContain(`${join(home, 'config')}: connect.mode: expected one of tun2socks, sshuttle`);
    expect(message).toContain(`${join(home, 'config')}: connect.color: unknown key (allowed: mode, proxyPort)`);
    writeFileSync(join(home, 'config'), 'connect: [unclosed');
    expect(await codeOf(store.read())).toMatch(/^KT_INVALID_CONFIG: .* is not valid YAML/);
  });

  it("keeps a section no loaded command owns (a removed plugin's), warns, and writes it back", async () => {
    const warnings: string[] = [];
    const warned = new ConfigStore(home, new Map<string, readonly FlagSpec[]>([['global', globalFlags]]), (w) => warnings.push(w));
    writeFileSync(join(home, 'config'), 'hello:\n  greeting: Hi\nglobal:\n  namespace: dev\n');
    expect(await warned.read()).toEqual({ global: { namespace: 'dev' } });
    expect(warnings[0]).toMatch(/section hello belongs to no command/);
    await warned.set('global.namespace', 'prod');
    expect(readFileSync(join(home, 'config'), 'utf8')).toBe('global:\n  namespace: prod\nhello:\n  greeting: Hi\n');
    await warned.saveProfile('p');
    expect(readFileSync(join(home, 'profile', 'p'), 'utf8')).toContain('greeting: Hi');
  });

  it('unsets one key, drops empty sections, and unsets everything', async () => {
    await store.set('global.namespace', 'dev');
    await store.set('connect.mode', 'sshuttle');
    await store.unset('connect.mode');
    expect(await store.read()).toEqual({ global: { namespace: 'dev' } });
    await store.unsetAll();
    expect(await store.read()).toEqual({});
  });

  it('saves, lists, loads (or dry-runs) and drops profiles', async () => {
    await store.set('global.namespace', 'staging');
    await store.saveProfile('staging');
    await store.set('global.namespace', 'dev');
    await store.saveProfile('dev');
    expect(await store.listProfiles()).toEqual(['dev', 'staging']);
    expect(await store.loadProfile('staging', { dryRun: true })).toEqual({ global: { namespace: 'staging' } });
    expect(await store.get('global.namespace')).toBe('dev');
    await store.loadProfile('staging');
    expect(await store.get('global.namespace')).toBe('staging');
    await store.dropProfile('dev');
    expect(await store.listProfiles()).toEqual(['staging']);
    expect(await codeOf(store.loadProfile('dev'))).toBe('KT_PROFILE_NOT_FOUND: No profile named "dev"');
  });

  it('checks profile names so they cannot escape the profile folder', async () => {
    for (const name of ['../config', '.hidden', 'a/b', '', 'x'.repeat(64)]) {
      expect(await codeOf(store.saveProfile(name))).toMatch(/^KT_PROFILE_NAME_INVALID/);
    }
  });

  it('writes atomically: no temporary file is left and the mode is 0644', async () => {
    await store.set('global.namespace', 'dev');
    expect(readdirSync(home)).toEqual(['config']);
    expect(statSync(join(home, 'config')).mode & 0o777).toBe(0o644);
  });
});
