import { spawnSync } from 'node:child_process';
import { ErrorCode, UserError } from '@ktctl/plugin-api';

/** Runs a command to its end and gives its exit code (isAdmin() is synchronous in the contract). */
export type ExitCodeRunner = (command: string, args: readonly string[]) => number;

export const spawnExitCode: ExitCodeRunner = (command, args) =>
  spawnSync(command, [...args], { stdio: 'ignore', windowsHide: true, timeout: 10_000 }).status ?? 1;

/**
 * Whether this process runs elevated. `net session` needs Administrator rights, but also the Server
 * service; where that is disabled `fltmc` (also Administrator-only, always present) decides.
 */
export function isElevated(run: ExitCodeRunner): boolean {
  return run('net', ['session']) === 0 || run('fltmc', []) === 0;
}

/** KT_NOT_ROOT as Windows users need to read it. */
export function notAdministrator(action: string): UserError {
  return new UserError(ErrorCode.NotRoot, `${action} needs Administrator rights to change routes and DNS`, {
    hint: 'run it from an Administrator terminal, or add --disableTunDevice to use only the SOCKS5/HTTP proxy (no Administrator needed)',
  });
}

/** How a Windows user runs `ktctl clean` with the rights it needs. */
export const ADMIN_CLEAN = 'run `ktctl clean` from an Administrator terminal';
