// Reads an OCI image-layout tarball (what tools/oci-image writes) and checks a pushed copy of it against it.
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { readTar } from './tar.js';

export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly platform?: { os: string; architecture: string; variant?: string };
  readonly annotations?: Record<string, string>;
}

export interface PlatformImage {
  /** `linux/amd64`. */
  readonly platform: string;
  readonly digest: string;
  readonly labels: Record<string, string>;
  /** Every path in the image's layers (no leading `/`). */
  readonly files: readonly string[];
}

export interface ImageLayout {
  /** What the layout's index.json points at: the multi-platform index (or a single manifest). */
  readonly top: Descriptor;
  /** The digest a registry gives the image once pushed: the top descriptor's. */
  readonly digest: string;
  readonly images: readonly PlatformImage[];
}

const INDEX_TYPES = ['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json'];

export function sha256Digest(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

function parseJson<T>(data: Buffer, what: string): T {
  try {
    return JSON.parse(data.toString('utf8')) as T;
  } catch (error) {
    throw new Error(`${what} is not JSON`, { cause: error });
  }
}

/** The layout's index, platform images, their config labels and layer contents; every blob's digest is checked. */
export function readImageLayout(tarball: Buffer): ImageLayout {
  const entries = new Map(readTar(tarball).map((e) => [e.path, e.data]));
  const blob = (digest: string): Buffer => {
    const data = entries.get(`blobs/${digest.replace(':', '/')}`);
    if (!data) throw new Error(`the image layout has no blob ${digest}`);
    if (sha256Digest(data) !== digest) throw new Error(`blob ${digest} does not match its digest`);
    return data;
  };
  const indexJson = entries.get('index.json');
  if (!indexJson || !entries.has('oci-layout')) throw new Error('not an OCI image layout (no index.json or oci-layout)');
  const root = parseJson<{ manifests: Descriptor[] }>(indexJson, 'index.json');
  if (root.manifests.length !== 1) throw new Error(`index.json lists ${root.manifests.length} images, expected one`);
  const top = root.manifests[0]!;
  const platformDescriptors = INDEX_TYPES.includes(top.mediaType)
    ? parseJson<{ manifests: Descriptor[] }>(blob(top.digest), 'the image index').manifests
    : [top];
  const images = platformDescriptors.map((d): PlatformImage => {
    const manifest = parseJson<{ config: Descriptor; layers: Descriptor[] }>(blob(d.digest), `manifest ${d.digest}`);
    const config = parseJson<{ os: string; architecture: string; config?: { Labels?: Record<string, string> } }>(
      blob(manifest.config.digest),
      'an image config',
    );
    const files = manifest.layers.flatMap((layer) => readTar(gunzipSync(blob(layer.digest))).map((e) => e.path.replace(/\/$/, '')));
    return { platform: `${config.os}/${config.architecture}`, digest: d.digest, labels: config.config?.Labels ?? {}, files };
  });
  return { top, digest: top.digest, images };
}

export interface PushedImage {
  /** `crane digest <ref>`. */
  readonly digest: string;
  /** `crane manifest <ref>`: the bytes the registry serves for the tag. */
  readonly manifest: Buffer;
}

/** What is wrong with a pushed image compared with the layout it was pushed from (nothing: an empty list). */
export function pushedImageProblems(layout: ImageLayout, pushed: PushedImage, platforms: readonly string[]): string[] {
  const problems: string[] = [];
  const served = sha256Digest(pushed.manifest);
  if (served !== pushed.digest.trim())
    problems.push(`the registry serves a manifest of digest ${served} for a tag it says is ${pushed.digest.trim()}`);
  if (served !== layout.digest) problems.push(`the pushed index is ${served}, the tarball's is ${layout.digest}`);
  const index = parseJson<{ mediaType?: string; manifests?: Descriptor[] }>(pushed.manifest, 'the pushed manifest');
  if (!index.manifests || !INDEX_TYPES.includes(index.mediaType ?? ''))
    return [...problems, 'the pushed image is not a multi-platform index'];
  const pushedPlatforms = new Map(index.manifests.map((d) => [`${d.platform?.os}/${d.platform?.architecture}`, d.digest]));
  for (const platform of platforms) {
    const local = layout.images.find((i) => i.platform === platform);
    const remote = pushedPlatforms.get(platform);
    if (!remote) problems.push(`the pushed index has no ${platform}`);
    else if (!local) problems.push(`the tarball has no ${platform}`);
    else if (remote !== local.digest) problems.push(`${platform}: pushed ${remote}, the tarball's is ${local.digest}`);
  }
  const extra = [...pushedPlatforms.keys()].filter((p) => !platforms.includes(p));
  if (extra.length > 0) problems.push(`the pushed index has platforms nobody asked for: ${extra.join(', ')}`);
  return problems;
}

/** What is missing from a layout: a platform, or one of the files every platform image must hold. */
export function layoutProblems(layout: ImageLayout, platforms: readonly string[], files: readonly string[]): string[] {
  const problems: string[] = [];
  for (const platform of platforms) {
    const image = layout.images.find((i) => i.platform === platform);
    if (!image) {
      problems.push(`the image has no ${platform}`);
      continue;
    }
    for (const file of files) if (!image.files.includes(file.replace(/^\//, ''))) problems.push(`${platform} has no ${file}`);
  }
  return problems;
}
