import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The package.json files whose version becomes a released artifact's version: the CLI's (bundled into every
 * binary, `ktctl --version`) and the shadow image's (its tag, which the binary asks the cluster to pull; the
 * mesh router ships inside that image). The release stamps the tag's version into each before building.
 */
export const STAMPED_PACKAGES = ['apps/ktctl/package.json', 'apps/shadow/package.json'] as const;

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

/** The version a release tag stands for: `v1.2.3` → `1.2.3`; anything but `v` + semver is refused. */
export function versionFromTag(tag: string): string {
  const name = tag.replace(/^refs\/tags\//, '');
  if (!name.startsWith('v') || !SEMVER.test(name.slice(1))) {
    throw new Error(`release tag "${tag}" is not v<major>.<minor>.<patch>[-<prerelease>]`);
  }
  return name.slice(1);
}

/** Writes `version` into each stamped package.json under `repoDir`, keeping the rest of the file as it is. */
export function stampVersion(repoDir: string, version: string, packages: readonly string[] = STAMPED_PACKAGES): string[] {
  if (!SEMVER.test(version)) throw new Error(`"${version}" is not a semver version`);
  return packages.map((relative) => {
    const file = join(repoDir, relative);
    const text = readFileSync(file, 'utf8');
    const pattern = /^(\s*"version"\s*:\s*)"[^"]*"/m;
    if (!pattern.test(text)) throw new Error(`${file} has no "version" field to stamp`);
    writeFileSync(file, text.replace(pattern, `$1${JSON.stringify(version)}`));
    const stamped = (JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown }).version;
    if (stamped !== version) throw new Error(`${file}: stamping left version ${String(stamped)}`);
    return file;
  });
}
