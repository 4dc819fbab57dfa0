import { ErrorCode, UserError } from '@ktctl/plugin-api';
import type { NetPlatform } from '@ktctl/netplatform';
import type { ConnectOptions } from './options.js';

const OS_NAMES: Partial<Record<NodeJS.Platform, string>> = { linux: 'Linux', darwin: 'macOS', win32: 'Windows' };

/** The name users know their OS by, for messages. */
export function osName(os: NodeJS.Platform): string {
  return OS_NAMES[os] ?? os;
}

/** Refuses, before anything is changed, what this laptop cannot do: not root, or a mode the OS lacks. */
export function checkPlatform(options: ConnectOptions, platform: NetPlatform): void {
  if (options.disableTunDevice) return;
  platform.requireAdmin('connect');
  if (options.mode === 'sshuttle' && !platform.capabilities.kernelRedirect) {
    throw new UserError(ErrorCode.ModeUnsupported, `--mode sshuttle is not available on ${osName(platform.os)}`, {
      hint: 'Use --mode tun2socks, or --disableTunDevice for the proxy only',
    });
  }
  if (options.mode === 'tun2socks' && !platform.capabilities.tun) {
    throw new UserError(ErrorCode.ModeUnsupported, `--mode tun2socks is not available on ${osName(platform.os)} in this release`, {
      hint: platform.capabilities.kernelRedirect
        ? 'Use --mode sshuttle, or --disableTunDevice for the proxy only'
        : 'Use --disableTunDevice for the proxy only',
    });
  }
}

/** A local port we cannot bind becomes a one-line error naming the flag that moves it. */
export function portInUse(error: unknown, what: string, port: number, flag: string): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') {
    return new UserError(ErrorCode.PortInUse, `Port ${port} (${what}) is already in use`, {
      hint: `Stop what uses it, or pass ${flag} <other port>`,
      cause: error,
    });
  }
  if (code === 'EACCES') {
    return new UserError(ErrorCode.NotRoot, `Port ${port} (${what}) needs privileges to bind`, {
      hint: `Pass ${flag} with a port above 1023`,
      cause: error,
    });
  }
  return error;
}
