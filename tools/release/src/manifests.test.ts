import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { homebrewFormula, parseSha256Sums, scoopManifest } from './manifests.js';

const files = ['ktctl-linux-x64', 'ktctl-linux-arm64', 'ktctl-darwin-x64', 'ktctl-darwin-arm64', 'ktctl-win-x64.exe'];
const hash = (i: number) => String(i).repeat(64).slice(0, 64);
const sums = files.map((f, i) => `${hash(i + 1)}  ${f}`).join('\n');
const temporary: string[] = [];
afterAll(() => temporary.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
function temporaryDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temporary.push(dir);
  return dir;
}
const release = { version: '1.2.3', baseUrl: 'https://example.invalid/releases/download/v1.2.3/', artifacts: parseSha256Sums(sums) };

describe('release manifests', () => {
  it('reads sha256sum output, text or binary mode', () => {
    expect(parseSha256Sums(`${hash(1)} *ktctl-win-x64.exe\n`)).toEqual([{ file: 'ktctl-win-x64.exe', sha256: hash(1) }]);
    expect(() => parseSha256Sums('not a checksum')).toThrow(/not a sha256sum line/);
  });

  it('writes a Scoop manifest that parses and points at the Windows binary and its hash', () => {
    const manifest = JSON.parse(scoopManifest(release)) as Record<string, any>;
    expect(manifest.version).toBe('1.2.3');
    expect(manifest.architecture['64bit']).toEqual({ url: 'https://example.invalid/releases/download/v1.2.3/ktctl-win-x64.exe', hash: hash(5) });
    expect(manifest.bin).toEqual([['ktctl-win-x64.exe', 'ktctl']]);
  });

  it('writes a Homebrew formula that Ruby parses, with each platform URL beside its own hash', () => {
    const formula = homebrewFormula(release);
    const file = join(temporaryDir('ktctl-formula-'), 'ktctl.rb');
    writeFileSync(file, formula);
    expect(execFileSync('ruby', ['-c', file], { encoding: 'utf8' })).toContain('Syntax OK');
    files.filter((f) => !f.endsWith('.exe')).forEach((f) => {
      const i = files.indexOf(f) + 1;
      expect(formula).toContain(`url "https://example.invalid/releases/download/v1.2.3/${f}"\n      sha256 "${hash(i)}"`);
      expect(formula).toContain(`bin.install "${f}" => "ktctl"`);
    });
  });

  it('refuses a release that lacks a platform binary', () => {
    expect(() => homebrewFormula({ ...release, artifacts: release.artifacts.slice(1) })).toThrow(/has no ktctl-linux-x64/);
  });

  it('generates both files from the SHA256SUMS the binary build writes', () => {
    const dir = temporaryDir('ktctl-release-');
    writeFileSync(join(dir, 'SHA256SUMS'), sums);
    const cli = spawnSync('npx', ['tsx', join(import.meta.dirname, 'cli.ts'), join(dir, 'SHA256SUMS'), 'v1.2.3', release.baseUrl, join(dir, 'out')], { encoding: 'utf8' });
    expect(cli.status).toBe(0);
    expect(readFileSync(join(dir, 'out', 'ktctl.rb'), 'utf8')).toBe(homebrewFormula(release));
    expect(readFileSync(join(dir, 'out', 'ktctl.json'), 'utf8')).toBe(scoopManifest(release));
  });
});
