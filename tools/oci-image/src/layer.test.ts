import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { imagePath, layerEntries } from './layer.js';

/** Temporary folders this file made, removed when it is done. */
const made: string[] = [];
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('layerEntries', () => {
  it('copies a host tree, adds parent directories, sorts, and lets later items win', async () => {
    const src = mkdtempSync(join(tmpdir(), 'layer-test-'));
    made.push(src);
    mkdirSync(join(src, 'sub'));
    writeFileSync(join(src, 'sub/run'), 'x', { mode: 0o700 });
    writeFileSync(join(src, 'data'), 'y', { mode: 0o600 });
    symlinkSync('sub/run', join(src, 'link'));
    const entries = await layerEntries([
      { path: '/opt/app', from: src },
      { path: '/opt/app/data', content: 'override' },
    ]);
    expect(entries.map((e) => `${e.path} ${e.type} ${e.mode.toString(8)}`)).toEqual([
      'opt dir 755',
      'opt/app dir 755',
      'opt/app/data file 644',
      'opt/app/link symlink 777',
      'opt/app/sub dir 755',
      'opt/app/sub/run file 755',
    ]);
    expect(Buffer.from(entries[2]!.data!).toString()).toBe('override');
  });

  it('rejects paths that leave the image root', () => {
    expect(() => imagePath('../etc')).toThrow(/bad path/);
    expect(imagePath('/usr//bin/')).toBe('usr/bin');
  });
});
