import { describe, expect, it } from 'vitest';
import { loadPlatform } from './platforms.js';

describe('loadPlatform', () => {
  it('serves Linux, macOS and Windows with their own implementation', async () => {
    const env = { KT_HOME: '/nonexistent/kt' };
    expect(await loadPlatform('linux', env)).toMatchObject({ os: 'linux', capabilities: { kernelRedirect: true, tun: true } });
    expect(await loadPlatform('darwin', env)).toMatchObject({ os: 'darwin', capabilities: { kernelRedirect: true, tun: true } });
    expect(await loadPlatform('win32', env)).toMatchObject({ os: 'win32', capabilities: { kernelRedirect: false, tun: true } });
  });

  it('refuses any other OS with KT_UNSUPPORTED_PLATFORM', async () => {
    await expect(loadPlatform('aix', {})).rejects.toMatchObject({ code: 'KT_UNSUPPORTED_PLATFORM' });
  });
});
