import { describe, expect, it } from 'vitest';
import type { NetPlatform } from '@ktctl/netplatform';
import type { ConnectOptions } from './options.js';
import { checkPlatform } from './platform-check.js';

function platform(os: NodeJS.Platform, capabilities: NetPlatform['capabilities'], admin = true): NetPlatform {
  return {
    os,
    capabilities,
    isAdmin: () => admin,
    requireAdmin: () => {
      if (!admin) throw new Error('not admin');
    },
  } as unknown as NetPlatform;
}

const options = (mode: ConnectOptions['mode'], disableTunDevice = false) => ({ mode, disableTunDevice }) as ConnectOptions;

describe('checkPlatform', () => {
  it('refuses sshuttle mode on Windows by the name users know, pointing at tun2socks', () => {
    const windows = platform('win32', { kernelRedirect: false, tun: true });
    expect(() => checkPlatform(options('sshuttle'), windows)).toThrow('--mode sshuttle is not available on Windows');
    expect(() => checkPlatform(options('sshuttle'), windows)).toThrow(
      expect.objectContaining({ code: 'KT_MODE_UNSUPPORTED', hint: expect.stringContaining('--mode tun2socks') }),
    );
    expect(() => checkPlatform(options('tun2socks'), windows)).not.toThrow();
  });

  it('needs no admin and no capability in proxy-only mode', () => {
    const bare = platform('darwin', { kernelRedirect: false, tun: false }, false);
    expect(() => checkPlatform(options('tun2socks', true), bare)).not.toThrow();
    expect(() => checkPlatform(options('tun2socks'), bare)).toThrow('not admin');
  });
});
