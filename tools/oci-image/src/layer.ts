import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { TarEntry } from './tar.js';

/** One thing to put in a layer, at `path` inside the image. */
export type LayerItem =
  /** A host file, or a host directory copied recursively (symlinks kept as links). */
  | { path: string; from: string; mode?: number }
  /** A file with the given contents. */
  | { path: string; content: string | Uint8Array; mode?: number }
  /** A symbolic link to `symlink`. */
  | { path: string; symlink: string }
  /** An empty directory. */
  | { path: string; dir: true; mode?: number };

/** Resolves layer items into sorted tar entries with every parent directory present; later items win. */
export async function layerEntries(items: readonly LayerItem[]): Promise<TarEntry[]> {
  const byPath = new Map<string, TarEntry>();
  for (const item of items) {
    for (const e of await expand(item)) byPath.set(e.path, e);
  }
  for (const path of [...byPath.keys()]) {
    for (let dir = posix.dirname(path); dir !== '.'; dir = posix.dirname(dir)) {
      if (!byPath.has(dir)) byPath.set(dir, { path: dir, type: 'dir', mode: 0o755 });
    }
  }
  return [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Normalises an image path to the relative form tar uses (`/usr/bin/x` → `usr/bin/x`). */
export function imagePath(p: string): string {
  const n = posix.normalize(`/${p}`).replace(/^\/+/, '').replace(/\/+$/, '');
  if (n === '' || p.split('/').includes('..')) throw new Error(`oci-image: bad path in image: ${JSON.stringify(p)}`);
  return n;
}

async function expand(item: LayerItem): Promise<TarEntry[]> {
  const path = imagePath(item.path);
  if ('symlink' in item) return [{ path, type: 'symlink', target: item.symlink, mode: 0o777 }];
  if ('dir' in item) return [{ path, type: 'dir', mode: item.mode ?? 0o755 }];
  if ('content' in item) {
    const data = typeof item.content === 'string' ? Buffer.from(item.content) : item.content;
    return [{ path, type: 'file', data, mode: item.mode ?? 0o644 }];
  }
  return fromHost(item.from, path, item.mode);
}

/** Copies a host file or tree; modes are reduced to 0755/0644 so the host's umask does not leak in. */
async function fromHost(src: string, path: string, mode: number | undefined): Promise<TarEntry[]> {
  const st = await lstat(src).catch((cause: unknown) => {
    throw new Error(`oci-image: cannot read ${src}`, { cause });
  });
  if (st.isSymbolicLink()) return [{ path, type: 'symlink', target: await readlink(src), mode: 0o777 }];
  if (st.isFile()) {
    const exec = (st.mode & 0o111) !== 0;
    return [{ path, type: 'file', data: await readFile(src), mode: mode ?? (exec ? 0o755 : 0o644) }];
  }
  if (!st.isDirectory()) throw new Error(`oci-image: ${src} is not a file, directory or symlink`);
  const out: TarEntry[] = [{ path, type: 'dir', mode: mode ?? 0o755 }];
  for (const name of (await readdir(src)).sort()) {
    out.push(...(await fromHost(join(src, name), `${path}/${name}`, undefined)));
  }
  return out;
}
