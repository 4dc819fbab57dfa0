import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { collectClaims, disagreements } from './check-versions.js';
import { STAMPED_PACKAGES, stampVersion, versionFromTag } from './version.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A repo-shaped folder holding copies of the real stamped package.json files. */
function repoCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ktctl-stamp-'));
  dirs.push(dir);
  for (const p of STAMPED_PACKAGES) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), readFileSync(join(import.meta.dirname, '..', '..', '..', p)));
  }
  return dir;
}

describe('the release version', () => {
  it('comes from a v-prefixed semver tag, refs/tags/ or not', () => {
    expect(versionFromTag('v1.2.3')).toBe('1.2.3');
    expect(versionFromTag('refs/tags/v1.2.3-rc.1')).toBe('1.2.3-rc.1');
    for (const bad of ['1.2.3', 'v1.2', 'v01.2.3', 'vnext', 'v1.2.3 ', 'release-1'])
      expect(() => versionFromTag(bad), bad).toThrow(/is not v<major>/);
  });

  it('is stamped into the CLI and shadow image packages, and nothing else in them changes', () => {
    const repo = repoCopy();
    const before = STAMPED_PACKAGES.map((p) => JSON.parse(readFileSync(join(repo, p), 'utf8')) as Record<string, unknown>);
    stampVersion(repo, '1.2.3');
    STAMPED_PACKAGES.forEach((p, i) => {
      const after = JSON.parse(readFileSync(join(repo, p), 'utf8')) as Record<string, unknown>;
      expect(after).toEqual({ ...before[i], version: '1.2.3' });
    });
    expect(disagreements('1.2.3', collectClaims({ repoDir: repo }))).toEqual([]);
  });

  it('leaves a disagreement the check reports, naming the package', () => {
    const repo = repoCopy();
    stampVersion(repo, '1.2.3', [STAMPED_PACKAGES[0]]);
    const wrong = disagreements('1.2.3', collectClaims({ repoDir: repo }));
    expect(wrong).toHaveLength(1);
    expect(wrong[0]).toMatch(/^apps\/shadow\/package\.json says "[^"]+", the tag says "1\.2\.3"$/);
  });

  it('refuses a version that is not semver and a package without a version', () => {
    const repo = repoCopy();
    expect(() => stampVersion(repo, 'latest')).toThrow(/not a semver/);
    writeFileSync(join(repo, STAMPED_PACKAGES[0]), '{ "name": "x" }\n');
    expect(() => stampVersion(repo, '1.2.3')).toThrow(/no "version" field/);
  });
});
