import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface SeaModule {
  isSea(): boolean;
  getRawAsset(key: string): ArrayBuffer;
}

function seaModule(): SeaModule | undefined {
  try {
    return createRequire(__filename)('node:sea') as SeaModule;
  } catch {
    return undefined;
  }
}

/**
 * Loads a native addon embedded in the single binary as a SEA asset, or returns undefined outside the
 * binary (development runs load it from node_modules). The file is written to a fresh private folder
 * (mode 0700, never a shared or user-writable path: ktctl often runs as root) and, where the OS allows,
 * removed as soon as it is loaded.
 */
export function loadEmbeddedAddon(asset: string): unknown {
  const sea = seaModule();
  if (!sea?.isSea()) return undefined;
  let bytes: ArrayBuffer;
  try {
    bytes = sea.getRawAsset(asset);
  } catch {
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'ktctl-native-'));
  const file = join(dir, asset);
  writeFileSync(file, new Uint8Array(bytes), { mode: 0o700 });
  const module = { exports: {} as unknown };
  process.dlopen(module, file);
  // Windows keeps a loaded DLL locked; elsewhere the mapping outlives the file.
  if (process.platform !== 'win32') rmSync(dir, { recursive: true, force: true });
  return module.exports;
}
