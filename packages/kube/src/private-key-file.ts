import { chown, mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { SshKeyPair } from '@ktctl/tunnel/keys';

/** The private key written under `<ktHome>/key/<name>` with mode 0600; `remove()` deletes it. */
export interface KeyFile {
  readonly path: string;
  remove(): Promise<void>;
}

/** Who should own files under ~/.kt: under sudo, the invoking user (SUDO_UID/SUDO_GID), else nobody in particular. */
export function sudoOwner(env: NodeJS.ProcessEnv = process.env): { uid: number; gid: number } | undefined {
  const uid = Number(env.SUDO_UID);
  const gid = Number(env.SUDO_GID);
  return env.SUDO_UID && env.SUDO_GID && Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : undefined;
}

/**
 * Writes the private key where only the user can read it (the folder 0700, the file 0600). Under sudo
 * both are given to the invoking user, so root-owned files do not lock them out of their own ~/.kt.
 */
export async function writePrivateKey(
  keyDir: string,
  name: string,
  keys: SshKeyPair,
  owner?: { uid: number; gid: number },
): Promise<KeyFile> {
  // mkdir names the first folder it had to create (~/.kt on a first run): every one from there down is theirs.
  const first = await mkdir(keyDir, { recursive: true, mode: 0o700 });
  const path = join(keyDir, name);
  await writeFile(path, keys.privateKey, { mode: 0o600, flag: 'w' });
  if (owner) {
    for (const dir of createdDirs(first, keyDir)) await chown(dir, owner.uid, owner.gid);
    await chown(keyDir, owner.uid, owner.gid);
    await chown(path, owner.uid, owner.gid);
  }
  return { path, remove: () => rm(path, { force: true }) };
}

/** The folders from `first` (the outermost one mkdir created, if any) down to `leaf`. */
function createdDirs(first: string | undefined, leaf: string): string[] {
  if (!first) return [];
  const out: string[] = [];
  for (let dir = resolve(leaf); dir.length >= resolve(first).length; dir = dirname(dir)) {
    out.push(dir);
    if (dir === dirname(dir)) break;
  }
  return out;
}
