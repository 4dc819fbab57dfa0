import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { krewArchive, packageRelease } from './archives.js';
import { RELEASE_PLATFORMS } from './platforms.js';
import { readTar } from './tar.js';

const repo = join(import.meta.dirname, '..', '..', '..');
const temporary: string[] = [];
afterAll(() => temporary.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
function temporaryDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ktctl-archives-'));
  temporary.push(dir);
  return dir;
}

/** A dist folder as the binary build leaves it: a small script per binary (so the Linux one can run), and the third-party licences. */
function distFolder(): string {
  const dist = temporaryDir();
  for (const p of RELEASE_PLATFORMS) writeFileSync(join(dist, p.binary), `#!/bin/sh\necho "${p.id} $*"\n`, { mode: 0o755 });
  writeFileSync(join(dist, 'THIRD_PARTY_LICENSES'), 'third-party licences\n');
  return dist;
}

describe('krew archives', () => {
  const dist = distFolder();
  const written = packageRelease(dist, join(repo, 'LICENSE'), join(repo, 'apps', 'ktctl', 'scripts', 'licenses', 'wintun-LICENSE.txt'));

  it('puts LICENSE and Wintun licence beside the binaries, and one archive per platform', () => {
    expect(written.map((f) => f.slice(dist.length + 1))).toEqual([
      'LICENSE',
      'wintun-LICENSE.txt',
      ...RELEASE_PLATFORMS.map((p) => p.archive),
    ]);
    expect(readFileSync(join(dist, 'LICENSE'), 'utf8')).toContain('Apache License');
    expect(readFileSync(join(dist, 'wintun-LICENSE.txt'), 'utf8')).toContain('Prebuilt Binaries License');
  });

  it.each(RELEASE_PLATFORMS.filter((p) => p.os !== 'windows').map((p) => [p.archive, p] as const))(
    '%s holds an executable kubectl-kt and the licences, as GNU tar reads it',
    (archive, p) => {
      const file = join(dist, archive);
      expect(execFileSync('tar', ['-tzf', file], { encoding: 'utf8' })).toBe('kubectl-kt\nLICENSE\nTHIRD_PARTY_LICENSES\n');
      const out = temporaryDir();
      execFileSync('tar', ['-xzf', file, '-C', out]);
      expect(statSync(join(out, 'kubectl-kt')).mode & 0o777).toBe(0o755);
      expect(readFileSync(join(out, 'kubectl-kt'))).toEqual(readFileSync(join(dist, p.binary)));
      expect(execFileSync(join(out, 'kubectl-kt'), ['connect'], { encoding: 'utf8' })).toBe(`${p.id} connect\n`);
    },
  );

  it('the Windows zip holds kubectl-kt.exe, the licences and Wintun licence, as unzip reads it', () => {
    const file = join(dist, 'kubectl-kt-windows-amd64.zip');
    expect(execFileSync('unzip', ['-Z1', file], { encoding: 'utf8' })).toBe(
      'kubectl-kt.exe\nLICENSE\nTHIRD_PARTY_LICENSES\nwintun-LICENSE.txt\n',
    );
    expect(execFileSync('unzip', ['-t', file], { encoding: 'utf8' })).toMatch(/No errors detected/);
    expect(execFileSync('unzip', ['-p', file, 'kubectl-kt.exe'])).toEqual(readFileSync(join(dist, 'ktctl-win-x64.exe')));
    expect(execFileSync('unzip', ['-p', file, 'wintun-LICENSE.txt'])).toEqual(
      readFileSync(join(repo, 'apps', 'ktctl', 'scripts', 'licenses', 'wintun-LICENSE.txt')),
    );
  });

  it('are reproducible: the same inputs give the same bytes', () => {
    const inputs = { binary: Buffer.from('bin'), license: Buffer.from('l'), thirdParty: Buffer.from('t'), wintun: Buffer.from('w') };
    for (const p of RELEASE_PLATFORMS) expect(krewArchive(p, inputs)).toEqual(krewArchive(p, { ...inputs, binary: Buffer.from('bin') }));
    const tar = readTar(execFileSync('gzip', ['-dc'], { input: krewArchive(RELEASE_PLATFORMS[0]!, inputs) }));
    expect(tar.map((e) => [e.path, e.mode])).toEqual([
      ['kubectl-kt', 0o755],
      ['LICENSE', 0o644],
      ['THIRD_PARTY_LICENSES', 0o644],
    ]);
  });

  it('refuses a dist folder without a platform binary or the third-party licences', () => {
    const partial = distFolder();
    rmSync(join(partial, 'ktctl-darwin-arm64'));
    expect(() => packageRelease(partial, join(repo, 'LICENSE'), join(repo, 'LICENSE'))).toThrow(/has no ktctl-darwin-arm64/);
    rmSync(join(partial, 'THIRD_PARTY_LICENSES'));
    expect(() => packageRelease(partial, join(repo, 'LICENSE'), join(repo, 'LICENSE'))).toThrow(/THIRD_PARTY_LICENSES is missing/);
  });
});
