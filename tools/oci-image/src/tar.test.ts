import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeTar } from './tar.js';

/** Temporary folders this file made, removed when it is done. */
const made: string[] = [];
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

const longName = `deep/${'x'.repeat(120)}/file.txt`;

function extract(buf: Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'tar-test-'));
  made.push(dir);
  writeFileSync(join(dir, 'a.tar'), buf);
  execFileSync('tar', ['-xf', 'a.tar', '--no-same-owner'], { cwd: dir });
  return dir;
}

describe('writeTar', () => {
  const tar = writeTar([
    { path: 'bin', type: 'dir', mode: 0o755 },
    { path: 'bin/tool', type: 'file', data: Buffer.from('#!/bin/sh\necho hi\n'), mode: 0o755 },
    { path: 'bin/sh', type: 'symlink', target: 'tool', mode: 0o777 },
    { path: longName, type: 'file', data: Buffer.from('long'), mode: 0o644 },
  ]);

  it('is read back by GNU tar with contents, modes, links and long names intact', () => {
    const dir = extract(tar);
    expect(readFileSync(join(dir, 'bin/tool'), 'utf8')).toBe('#!/bin/sh\necho hi\n');
    expect(statSync(join(dir, 'bin/tool')).mode & 0o777).toBe(0o755);
    expect(readlinkSync(join(dir, 'bin/sh'))).toBe('tool');
    expect(readFileSync(join(dir, longName), 'utf8')).toBe('long');
  });

  it('lists entries with owner 0 and mtime 0', () => {
    const listing = execFileSync('tar', ['-tvf', '-', '--numeric-owner', '--full-time'], { input: tar, encoding: 'utf8' });
    expect(listing).toContain('0/0');
    expect(listing).toContain('1970-01-01 00:00:00 bin/tool');
  });

  it('is made of 512-byte blocks ending with two zero blocks', () => {
    expect(tar.length % 512).toBe(0);
    expect(tar.subarray(-1024).every((b) => b === 0)).toBe(true);
  });
});
