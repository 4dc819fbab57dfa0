// Native addons embedded in each binary as SEA assets (loaded by src/native-addon.ts). koffi's prebuilt
// addon for the target comes from its per-platform npm package: installed for this machine, fetched with
// `npm pack` (cached under .cache/native) for the others.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { BinaryTarget } from './node-bases.js';

const require = createRequire(import.meta.url);
// Neither koffi nor its platform packages export package.json: go through their main files.
const KOFFI_VERSION = (JSON.parse(readFileSync(join(dirname(require.resolve('koffi')), 'package.json'), 'utf8')) as { version: string })
  .version;

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
  if (!existsSync(tarball))
    execFileSync('npm', ['pack', `${pkg}@${KOFFI_VERSION}`, '--pack-destination', cacheDir], { stdio: ['ignore', 'ignore', 'inherit'] });
  execFileSync('tar', ['-xzf', tarball, '-C', dir, '--strip-components=1', `package/${folder}/koffi.node`]);
  return addon;
}

/**
 * Wintun's DLL for Windows targets (netplatform-windows loads it for the TUN adapter). npm has it only inside
 * this package (Apache-2.0 wrapper; the DLLs are WireGuard LLC's signed builds, whose licence allows shipping
 * them unmodified with software that uses them through wintun.h). The package is fetched, never installed
 * (its install script would build a native addon); the DLL is pinned by hash, checked to be the signed
 * 0.14.1 build (osslsigncode: "WireGuard LLC", signed 2021-10-17).
 */
const WINTUN_PACKAGE = '@xiaobaidadada/node-tuntap2-wintun@3.0.2';
const WINTUN_DLLS: Readonly<Record<string, { file: string; sha256: string }>> = {
  x64: { file: 'wintun-amd64.dll', sha256: 'e5da8447dc2c320edc0fc52fa01885c103de8c118481f683643cacc3220dafce' },
  arm64: { file: 'wintun-arm64.dll', sha256: 'f7ba89005544be9d85231a9e0d5f23b2d15b3311667e2dad0debd344918a3f80' },
};

function wintunDll(target: BinaryTarget, cacheDir: string): string {
  const wanted = WINTUN_DLLS[target.arch];
  if (!wanted) throw new Error(`no wintun.dll for ${target.id}`);
  const dir = join(cacheDir, WINTUN_PACKAGE.replace(/^@/, '').replace(/[/@]/g, '-'));
  const dll = join(dir, 'wintun_dll', wanted.file);
  if (!existsSync(dll)) {
    mkdirSync(dir, { recursive: true });
    const packed = execFileSync('npm', ['pack', WINTUN_PACKAGE, '--pack-destination', cacheDir, '--silent'], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .at(-1)!;
    execFileSync('tar', ['-xzf', join(cacheDir, packed), '-C', dir, '--strip-components=1', `package/wintun_dll/${wanted.file}`]);
  }
  const hash = createHash('sha256').update(readFileSync(dll)).digest('hex');
  if (hash !== wanted.sha256) throw new Error(`${dll} is not the pinned wintun.dll (sha256 ${hash})`);
  return dll;
}

/** SEA assets (name → file) for a target's binary. */
export function nativeAssets(target: BinaryTarget, cacheDir: string): Record<string, string> {
  return {
    'koffi.node': koffiAddon(target, cacheDir),
    ...(target.platform === 'win' ? { 'wintun.dll': wintunDll(target, cacheDir) } : {}),
  };
}
