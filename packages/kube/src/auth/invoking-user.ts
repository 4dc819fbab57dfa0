import { readFileSync } from 'node:fs';

/** The user who ran `sudo ktctl ...`: credential plugins run as them, with their HOME. */
export interface InvokingUser {
  readonly uid: number;
  readonly gid: number;
  readonly name: string;
  readonly home: string;
}

/**
 * Under sudo (we are root and SUDO_UID/SUDO_GID/SUDO_USER name someone else), that user; else undefined
 * (the plugin runs as we do). Their home comes from the passwd file, as sudo's own HOME is root's.
 */
export function invokingUser(
  env: NodeJS.ProcessEnv = process.env,
  euid: number | undefined = process.geteuid?.(),
  passwdFile = '/etc/passwd',
): InvokingUser | undefined {
  if (euid !== 0 || !env.SUDO_UID || !env.SUDO_GID || !env.SUDO_USER) return undefined;
  const uid = Number(env.SUDO_UID);
  const gid = Number(env.SUDO_GID);
  if (!Number.isInteger(uid) || !Number.isInteger(gid) || uid === 0) return undefined;
  let home: string | undefined;
  try {
    const line = readFileSync(passwdFile, 'utf8')
      .split('\n')
      .find((l) => l.split(':')[0] === env.SUDO_USER);
    home = line?.split(':')[5];
  } catch {
    // No passwd file: keep HOME below.
  }
  return { uid, gid, name: env.SUDO_USER, home: home || `/home/${env.SUDO_USER}` };
}
