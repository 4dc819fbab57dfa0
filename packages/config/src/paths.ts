import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The invoking user's home: under sudo, the home of SUDO_USER rather than root's. */
export function userHome(env: NodeJS.ProcessEnv = process.env, passwdFile = '/etc/passwd'): string {
  const sudoUser = env.SUDO_USER;
  if (sudoUser && sudoUser !== 'root') {
    try {
      const line = readFileSync(passwdFile, 'utf8')
        .split('\n')
        .find((l) => l.split(':')[0] === sudoUser);
      const home = line?.split(':')[5];
      if (home) return home;
    } catch {
      // No passwd file (not a Unix host): fall back to HOME below.
    }
  }
  return env.HOME || env.USERPROFILE || homedir();
}

/** ktctl's own folder, `~/.kt` (or $KT_HOME). */
export function ktHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.KT_HOME || join(userHome(env), '.kt');
}
