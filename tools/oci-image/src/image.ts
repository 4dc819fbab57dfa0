import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { layerEntries, type LayerItem } from './layer.js';
import { writeTar, type TarEntry } from './tar.js';

/** The runtime settings of an image (the `config` object of an OCI image config). */
export interface ImageConfig {
  entrypoint?: string[];
  cmd?: string[];
  /** `NAME=value` strings. */
  env?: string[];
  user?: string;
  workdir?: string;
  /** e.g. `8080/tcp`. */
  exposedPorts?: string[];
  labels?: Record<string, string>;
}

/** CPU architectures the builder writes images for. */
export type Architecture = 'amd64' | 'arm64';

/** The layers of the image for one platform, lowest first. */
export interface PlatformImage {
  architecture: Architecture;
  layers: LayerItem[][];
}

/** Everything needed to write an image: its reference, settings and per-platform layers. */
export interface ImageSpec {
  /** Full reference the image is imported under, e.g. `ktctl.local/pause:3.10`. */
  ref: string;
  config: ImageConfig;
  platforms: PlatformImage[];
}

/** A content-addressed blob of the layout. */
interface Blob {
  mediaType: string;
  digest: string;
  size: number;
  data: Buffer;
}

const MT = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
} as const;

/** Builds the image and returns the OCI image-layout tarball; the same spec always gives the same bytes. */
export async function buildImageLayout(spec: ImageSpec): Promise<Buffer> {
  if (spec.platforms.length === 0) throw new Error('oci-image: an image needs at least one platform');
  const blobs = new Map<string, Blob>();
  const add = (b: Blob): Blob => (blobs.set(b.digest, b), b);
  const manifests = [];
  for (const p of spec.platforms) manifests.push(await platformManifest(spec.config, p, add));
  const annotations = refAnnotations(spec.ref);
  let top: Blob = manifests[0]!.blob;
  let platform: Record<string, string> | undefined = manifests[0]!.platform;
  if (manifests.length > 1) {
    const index = {
      schemaVersion: 2,
      mediaType: MT.index,
      manifests: manifests.map((m) => ({ ...descriptor(m.blob), platform: m.platform })),
    };
    top = add(blob(MT.index, json(index)));
    platform = undefined;
  }
  const rootIndex = {
    schemaVersion: 2,
    mediaType: MT.index,
    manifests: [{ ...descriptor(top), ...(platform ? { platform } : {}), annotations }],
  };
  const files: TarEntry[] = [
    { path: 'blobs', type: 'dir', mode: 0o755 },
    { path: 'blobs/sha256', type: 'dir', mode: 0o755 },
    ...[...blobs.values()]
      .sort((a, b) => (a.digest < b.digest ? -1 : 1))
      .map((b): TarEntry => ({ path: `blobs/sha256/${b.digest.slice(7)}`, type: 'file', data: b.data, mode: 0o644 })),
    { path: 'index.json', type: 'file', data: json(rootIndex), mode: 0o644 },
    { path: 'oci-layout', type: 'file', data: json({ imageLayoutVersion: '1.0.0' }), mode: 0o644 },
  ];
  return writeTar(files);
}

/** Builds the image and writes its OCI image-layout tarball to `outFile`. */
export async function writeImageLayout(spec: ImageSpec, outFile: string): Promise<void> {
  await writeFile(outFile, await buildImageLayout(spec));
}

/** The annotations containerd (`io.containerd.image.name`) and OCI tools (`ref.name`, the tag) name an image by. */
export function refAnnotations(ref: string): Record<string, string> {
  const lastSlash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  const tag = colon > lastSlash ? ref.slice(colon + 1) : 'latest';
  const full = colon > lastSlash ? ref : `${ref}:latest`;
  return { 'io.containerd.image.name': full, 'org.opencontainers.image.ref.name': tag };
}

async function platformManifest(config: ImageConfig, p: PlatformImage, add: (b: Blob) => Blob) {
  const layers: Blob[] = [];
  const diffIds: string[] = [];
  for (const items of p.layers) {
    const tar = writeTar(await layerEntries(items));
    diffIds.push(sha256(tar));
    layers.push(add(blob(MT.layer, gzipSync(tar, { level: 9 }))));
  }
  const imageConfig = {
    created: '1970-01-01T00:00:00Z',
    architecture: p.architecture,
    os: 'linux',
    config: runtimeConfig(config),
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: layers.map(() => ({ created: '1970-01-01T00:00:00Z', created_by: '@ktctl/oci-image' })),
  };
  const cfg = add(blob(MT.config, json(imageConfig)));
  const manifest = { schemaVersion: 2, mediaType: MT.manifest, config: descriptor(cfg), layers: layers.map(descriptor) };
  return { blob: add(blob(MT.manifest, json(manifest))), platform: { architecture: p.architecture, os: 'linux' } };
}

function runtimeConfig(c: ImageConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (c.entrypoint) out.Entrypoint = c.entrypoint;
  if (c.cmd) out.Cmd = c.cmd;
  if (c.env) out.Env = c.env;
  if (c.user) out.User = c.user;
  if (c.workdir) out.WorkingDir = c.workdir;
  if (c.exposedPorts) out.ExposedPorts = Object.fromEntries(c.exposedPorts.map((p) => [p, {}]));
  if (c.labels) out.Labels = c.labels;
  return out;
}

function blob(mediaType: string, data: Buffer): Blob {
  return { mediaType, digest: sha256(data), size: data.length, data };
}

function descriptor(b: Blob) {
  return { mediaType: b.mediaType, digest: b.digest, size: b.size };
}

function sha256(data: Uint8Array): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

function json(v: unknown): Buffer {
  return Buffer.from(JSON.stringify(v));
}
