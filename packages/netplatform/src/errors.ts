import { ErrorCode, UserError } from '@ktctl/plugin-api';

/** The error the app throws when its platform map has no entry for this OS. */
export function unsupportedPlatform(platform: string, what = 'ktctl connect'): UserError {
  return new UserError(ErrorCode.UnsupportedPlatform, `${what} does not support this operating system (${platform})`, {
    hint: 'supported: linux, darwin (macOS) and win32 (Windows); --disableTunDevice runs the proxy alone anywhere',
  });
}

/** The error for a laptop change attempted without root. */
export function notRoot(action: string): UserError {
  return new UserError(ErrorCode.NotRoot, `${action} needs root to change routes, DNS and firewall rules`, {
    hint: 'run it with sudo, or add --disableTunDevice to use only the SOCKS5/HTTP proxy (no root needed)',
  });
}

/** Throws KT_NOT_ROOT unless the effective user is root. */
export function requireRoot(action: string, geteuid: (() => number) | undefined = process.geteuid): void {
  if (!geteuid || geteuid() !== 0) throw notRoot(action);
}

/**
 * A change ktctl cannot undo cleanly: the user is told how to finish the clean-up (`retry`: how to run
 * `ktctl clean` with admin rights on this OS).
 */
export function restoreFailed(errors: readonly string[], retry = 'run `sudo ktctl clean`'): UserError {
  return new UserError(ErrorCode.RestoreFailed, `could not undo every laptop change: ${errors.join('; ')}`, {
    hint: `${retry} to retry; the journal under ~/.kt/journal keeps what is left to undo`,
  });
}
