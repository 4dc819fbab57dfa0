import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { collectClaims, disagreements } from './check-versions.js';
import { WINDOWS_ADMIN_NOTE, homebrewFormula, krewManifest, parseSha256Sums, scoopManifest } from './manifests.js';
import { RELEASE_PLATFORMS } from './platforms.js';

const files = [...RELEASE_PLATFORMS.flatMap((p) => [p.binary, p.archive]), 'wintun-LICENSE.txt'];
const hash = (i: number) => i.toString(16).padStart(2, '0').repeat(32);
const hashOf = (file: string) => hash(files.indexOf(file) + 1);
const sums = files.map((f) => `${hashOf(f)}  ${f}`).join('\n');
const temporary: string[] = [];
afterAll(() => temporary.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
function temporaryDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temporary.push(dir);
  return dir;
}
const base = 'https://example.invalid/releases/download/v1.2.3/';
const release = { version: '1.2.3', baseUrl: base, artifacts: parseSha256Sums(sums) };

/** YAML as Ruby reads it (what krew's Go YAML reader would see of this simple document). */
function rubyYaml(text: string): any {
  const file = join(temporaryDir('ktctl-krew-'), 'kt.yaml');
  writeFileSync(file, text);
  return JSON.parse(
    execFileSync('ruby', ['-ryaml', '-rjson', '-e', 'puts JSON.generate(YAML.safe_load(File.read(ARGV[0])))', file], { encoding: 'utf8' }),
  );
}

describe('release manifests', () => {
  it('reads sha256sum output, text or binary mode', () => {
    expect(parseSha256Sums(`${hash(1)} *ktctl-win-x64.exe\n`)).toEqual([{ file: 'ktctl-win-x64.exe', sha256: hash(1) }]);
    expect(() => parseSha256Sums('not a checksum')).toThrow(/not a sha256sum line/);
  });

  it('writes a Scoop manifest with the Windows binary, Wintun licence beside it, and the elevation note', () => {
    const manifest = JSON.parse(scoopManifest(release)) as Record<string, any>;
    expect(manifest.version).toBe('1.2.3');
    expect(manifest.architecture['64bit']).toEqual({
      url: [`${base}ktctl-win-x64.exe`, `${base}wintun-LICENSE.txt`],
      hash: [hashOf('ktctl-win-x64.exe'), hashOf('wintun-LICENSE.txt')],
    });
    expect(manifest.bin).toEqual([['ktctl-win-x64.exe', 'ktctl']]);
    expect(manifest.notes).toBe(WINDOWS_ADMIN_NOTE);
    expect(manifest.notes).toMatch(/Administrator terminal.*--disableTunDevice/);
  });

  it('writes a Homebrew formula that Ruby parses, each platform URL beside its own hash, with livecheck', () => {
    const formula = homebrewFormula(release);
    const file = join(temporaryDir('ktctl-formula-'), 'ktctl.rb');
    writeFileSync(file, formula);
    expect(execFileSync('ruby', ['-c', file], { encoding: 'utf8' })).toContain('Syntax OK');
    for (const p of RELEASE_PLATFORMS.filter((p) => p.os !== 'windows')) {
      expect(formula).toContain(`url "${base}${p.binary}"\n      sha256 "${hashOf(p.binary)}"`);
      expect(formula).toContain(`bin.install "${p.binary}" => "ktctl"`);
    }
    expect(formula).toMatch(/livecheck do\n {4}url :stable\n {4}strategy :github_latest\n {2}end/);
    expect(formula).toContain('assert_match version.to_s, shell_output("#{bin}/ktctl --version")');
  });

  it('writes a krew manifest with one selector per platform, each installing kubectl-kt from its archive', () => {
    const manifest = rubyYaml(krewManifest(release));
    expect(manifest).toMatchObject({
      apiVersion: 'krew.googlecontainertools.github.com/v1alpha2',
      kind: 'Plugin',
      metadata: { name: 'kt' },
    });
    expect(manifest.spec.version).toBe('v1.2.3');
    expect(manifest.spec.caveats).toContain('--disableTunDevice');
    expect(manifest.spec.platforms).toEqual(
      RELEASE_PLATFORMS.map((p) => ({
        selector: { matchLabels: { os: p.os, arch: p.arch } },
        uri: `${base}${p.archive}`,
        sha256: hashOf(p.archive),
        bin: p.os === 'windows' ? 'kubectl-kt.exe' : 'kubectl-kt',
        files: [{ from: '*', to: '.' }],
      })),
    );
    const selectors = manifest.spec.platforms.map((p: any) => `${p.selector.matchLabels.os}/${p.selector.matchLabels.arch}`);
    expect(new Set(selectors).size).toBe(RELEASE_PLATFORMS.length);
  });

  it('refuses a release that lacks a platform binary or archive', () => {
    expect(() => homebrewFormula({ ...release, artifacts: release.artifacts.filter((a) => a.file !== 'ktctl-linux-x64') })).toThrow(
      /has no ktctl-linux-x64/,
    );
    expect(() => krewManifest({ ...release, artifacts: release.artifacts.filter((a) => !a.file.endsWith('.zip')) })).toThrow(
      /has no kubectl-kt-windows-amd64\.zip/,
    );
  });

  it('generates the three files from SHA256SUMS, and the version check finds them all at the tag', () => {
    const dir = temporaryDir('ktctl-release-');
    writeFileSync(join(dir, 'SHA256SUMS'), sums);
    const out = join(dir, 'out');
    const cli = spawnSync('npx', ['tsx', join(import.meta.dirname, 'cli.ts'), 'manifests', join(dir, 'SHA256SUMS'), 'v1.2.3', base, out], {
      encoding: 'utf8',
    });
    expect(cli.status, cli.stderr).toBe(0);
    expect(readFileSync(join(out, 'ktctl.rb'), 'utf8')).toBe(homebrewFormula(release));
    expect(readFileSync(join(out, 'ktctl.json'), 'utf8')).toBe(scoopManifest(release));
    expect(readFileSync(join(out, 'kt.yaml'), 'utf8')).toBe(krewManifest(release));
    const claims = collectClaims({ distDir: out });
    expect(claims.map((c) => c.what).filter((w) => !w.includes('URL'))).toEqual(
      ['ktctl.rb', 'ktctl.json', 'kt.yaml'].map((f) => join(out, f)),
    );
    expect(claims.length).toBeGreaterThan(3 + RELEASE_PLATFORMS.length);
    expect(disagreements('1.2.3', claims)).toEqual([]);
    expect(disagreements('1.2.4', claims)).toHaveLength(claims.length);
  });

  it('catches a manifest whose URLs point at another release than its version', () => {
    const dir = temporaryDir('ktctl-release-');
    writeFileSync(join(dir, 'ktctl.rb'), homebrewFormula({ ...release, baseUrl: 'https://example.invalid/releases/download/v1.2.2' }));
    const wrong = disagreements('1.2.3', collectClaims({ distDir: dir }));
    expect(wrong.length).toBe(4);
    expect(wrong[0]).toMatch(/ktctl\.rb download URL 1 says "1\.2\.2"/);
  });
});
