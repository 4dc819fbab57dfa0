import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

/** Pull size (compressed layers + config) and unpacked size (layer tars) of each platform, in bytes. */
export interface PlatformSize {
  architecture: string;
  compressed: number;
  uncompressed: number;
}

interface Descriptor {
  digest: string;
  size: number;
  mediaType: string;
  platform?: { architecture: string };
}

/** Reads an OCI image-layout tarball back and measures each platform's image. */
export function imageSizes(tarball: string): PlatformSize[] {
  const dir = mkdtempSync(join(tmpdir(), 'kt-image-'));
  try {
    execFileSync('tar', ['-xf', tarball, '-C', dir]);
    const blob = (digest: string): Buffer => readFileSync(join(dir, 'blobs', 'sha256', digest.slice('sha256:'.length)));
    const json = <T>(digest: string): T => JSON.parse(blob(digest).toString()) as T;
    const root = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { manifests: Descriptor[] };
    const top = root.manifests[0]!;
    const manifests = top.mediaType.includes('index') ? json<{ manifests: Descriptor[] }>(top.digest).manifests : [top];
    return manifests.map((m) => {
      const manifest = json<{ config: Descriptor; layers: Descriptor[] }>(m.digest);
      const architecture = m.platform?.architecture ?? json<{ architecture: string }>(manifest.config.digest).architecture;
      const compressed = manifest.config.size + manifest.layers.reduce((sum, l) => sum + l.size, 0);
      const uncompressed = manifest.layers.reduce((sum, l) => sum + gunzipSync(blob(l.digest)).length, 0);
      return { architecture, compressed, uncompressed };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
