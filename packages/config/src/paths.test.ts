import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ktHome, userHome } from './paths.js';
import { shadowImage } from './global-flags.js';

describe('paths', () => {
  it('uses the invoking user home under sudo, KT_HOME when set', () => {
    const passwd = join(mkdtempSync(join(tmpdir(), 'kt-passwd-')), 'passwd');
    writeFileSync(passwd, 'root:x:0:0:root:/root:/bin/bash\nada:x:1000:1000::/home/ada:/bin/bash\n');
    expect(userHome({ SUDO_USER: 'ada', HOME: '/root' }, passwd)).toBe('/home/ada');
    expect(userHome({ HOME: '/home/bob' }, passwd)).toBe('/home/bob');
    expect(ktHome({ HOME: '/home/bob' })).toBe('/home/bob/.kt');
    expect(ktHome({ KT_HOME: '/opt/kt', HOME: '/home/bob' })).toBe('/opt/kt');
    rmSync(join(passwd, '..'), { recursive: true, force: true });
  });

  it('names the shadow image from --image, else the registry and release', () => {
    expect(shadowImage({}, '1.2.3')).toBe('ghcr.io/ktctl/shadow:1.2.3');
    expect(shadowImage({ imageRegistry: 'registry.corp:5000/' }, '1.2.3')).toBe('registry.corp:5000/ktctl/shadow:1.2.3');
    expect(shadowImage({ image: 'my/shadow:x', imageRegistry: 'r' }, '1.2.3')).toBe('my/shadow:x');
  });
});
