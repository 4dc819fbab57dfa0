import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateSshKeyPair } from '@ktctl/tunnel/keys';
import { sudoOwner, writePrivateKey } from './private-key-file.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kt-key-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function hasSshKeygen(): boolean {
  try {
    execFileSync('ssh-keygen', ['-?'], { stdio: 'ignore' });
    return true;
  } catch (err) {
    return (err as { status?: number }).status !== undefined && (err as { code?: string }).code !== 'ENOENT';
  }
}

describe('sudoOwner', () => {
  it('is the invoking user under sudo only', () => {
    expect(sudoOwner({ SUDO_UID: '1000', SUDO_GID: '1001' })).toEqual({ uid: 1000, gid: 1001 });
    expect(sudoOwner({})).toBeUndefined();
  });
});

describe('writePrivateKey', () => {
  it.runIf(hasSshKeygen())('writes a private key OpenSSH reads back to the same public key', async () => {
    const keys = generateSshKeyPair('me');
    const dir = tempDir();
    const file = await writePrivateKey(join(dir, 'key'), 'run1', keys);
    expect(statSync(file.path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'key')).mode & 0o777).toBe(0o700);
    const derived = execFileSync('ssh-keygen', ['-y', '-f', file.path], { encoding: 'utf8' }).trim();
    expect(derived.split(' ').slice(0, 2)).toEqual(keys.publicKey.split(' ').slice(0, 2));
    expect(readFileSync(file.path, 'utf8')).toContain('BEGIN OPENSSH PRIVATE KEY');
    await file.remove();
    expect(existsSync(file.path)).toBe(false);
  });

  it.runIf(process.getuid?.() === 0)('gives the key to the sudo user when run as root', async () => {
    const dir = tempDir();
    const file = await writePrivateKey(join(dir, 'key'), 'run2', generateSshKeyPair(), { uid: 65534, gid: 65534 });
    expect(statSync(file.path).uid).toBe(65534);
    expect(statSync(join(dir, 'key')).uid).toBe(65534);
    // A first run creates ~/.kt too: that folder is theirs as well, the existing parent stays as it was.
    const nested = await writePrivateKey(join(dir, 'kt', 'key'), 'run3', generateSshKeyPair(), { uid: 65534, gid: 65534 });
    expect(statSync(join(dir, 'kt')).uid).toBe(65534);
    expect(statSync(nested.path).uid).toBe(65534);
    expect(statSync(dir).uid).toBe(0);
  });
});
