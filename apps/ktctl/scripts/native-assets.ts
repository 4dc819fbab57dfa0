// Native addons embedded in each binary as SEA assets (loaded by src/native-addon.ts). koffi's prebuilt
// addon for the target comes from its per-platform npm package: installed for this machine, fetched with
// `npm pack` (cached under .cache/native) for the others.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { BinaryTarget } from './node-bases.js';

const require = createRequire(import.meta.url);
// Neither koffi nor its platform packages export package.json: go through their main files.
const KOFFI_VERSION = (JSON.parse(readFileSync(join(dirname(require.resolve('koffi')), 'package.json'), 'utf8')) as { version: string }).version;

/** koffi's package suffix and folder for a target (`win-x64` is `win32-x64`, folder `win32_x64`). */
function koffiNames(target: BinaryTarget): { pkg: string; folder: string } {
  const os = target.platform === 'macos' ? 'darwin' : target.platform === 'win' ? 'win32' : 'linux';
  return { pkg: `@koromix/koffi-${os}-${target.arch}`, folder: `${os}_${target.arch}` };
}

function koffiAddon(target: BinaryTarget, cacheDir: string): string {
  const { pkg, folder } = koffiNames(target);
  try {
    const installed = join(dirname(require.resolve(pkg)), folder, 'koffi.node');
    if (existsSync(installed)) return installed;
  } catch {
    // Not installed for this machine: fetch it below.
  }
  const dir = join(cacheDir, `${pkg.replace('/', '-').replace('@', '')}-${KOFFI_VERSION}`);
  const addon = join(dir, folder, 'koffi.node');
  if (existsSync(addon)) return addon;
  mkdirSync(dir, { recursive: true });
  const tarball = join(cacheDir, `${pkg.replace('@', '').replace('/', '-')}-${KOFFI_VERSION}.tgz`);
  if (!existsSync(tarball)) execFileSync('npm', ['pack', `${pkg}@${KOFFI_VERSION}`, '--pack-destination', cacheDir], { stdio: ['ignore', 'ignore', 'inherit'] });
  execFileSync('tar', ['-xzf', tarball, '-C', dir, '--strip-components=1', `package/${folder}/koffi.node`]);
  return addon;
}

/** SEA assets (name → file) for a target's binary. */
export function nativeAssets(target: BinaryTarget, cacheDir: string): Record<string, string> {
  return { 'koffi.node': koffiAddon(target, cacheDir) };
}
