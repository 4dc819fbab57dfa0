import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './testing/temp.js';
import { isMountPoint, replaceSystemFile } from './files.js';

describe('replaceSystemFile', () => {
  it('renames a temp file over a plain file and leaves no temp file', () => {
    const dir = tempDir('kt-files-');
    const path = join(dir, 'hosts');
    writeFileSync(path, 'a long original line\n');
    replaceSystemFile(path, 'short\n', join(dir, 'no-mountinfo'));
    expect(readFileSync(path, 'utf8')).toBe('short\n');
    expect(readdirSync(dir)).toEqual(['hosts']);
  });

  it('rewrites a bind-mounted file in place, cutting the old tail, with no temp file beside it', () => {
    const dir = tempDir('kt files-');
    const path = join(dir, 'resolv.conf');
    writeFileSync(path, 'a long original line\n');
    const mountInfo = join(dir, 'mountinfo');
    const escaped = path.replace(/ /g, '\\040');
    writeFileSync(mountInfo, `36 35 98:0 /x ${escaped} rw,noatime master:1 - ext3 /dev/root rw\n`);
    expect(isMountPoint(path, mountInfo)).toBe(true);
    expect(isMountPoint(dir, mountInfo)).toBe(false);
    replaceSystemFile(path, 'short\n', mountInfo);
    expect(readFileSync(path, 'utf8')).toBe('short\n');
    expect(readdirSync(dir).sort()).toEqual(['mountinfo', 'resolv.conf']);
  });
});
