import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { buildImageLayout, refAnnotations, type ImageSpec } from './image.js';

/** Temporary folders this file made, removed when it is done. */
const made: string[] = [];
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

const spec: ImageSpec = {
  ref: 'ktctl.local/demo:1',
  config: { entrypoint: ['/app'], env: ['A=1'], user: '65534', workdir: '/', exposedPorts: ['8080/tcp'] },
  platforms: [
    { architecture: 'amd64', layers: [[{ path: '/app', content: 'amd64 binary', mode: 0o755 }]] },
    { architecture: 'arm64', layers: [[{ path: '/app', content: 'arm64 binary', mode: 0o755 }]] },
  ],
};

function unpack(tar: Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'oci-test-'));
  made.push(dir);
  writeFileSync(join(dir, 'image.tar'), tar);
  execFileSync('tar', ['-xf', 'image.tar'], { cwd: dir });
  return dir;
}

const readJson = (dir: string, digest: string) =>
  JSON.parse(readFileSync(join(dir, 'blobs/sha256', digest.slice(7)), 'utf8')) as Record<string, any>;

describe('buildImageLayout', () => {
  it('gives the same bytes for the same spec', async () => {
    const a = await buildImageLayout(spec);
    const b = await buildImageLayout(spec);
    expect(createHash('sha256').update(a).digest('hex')).toBe(createHash('sha256').update(b).digest('hex'));
  });

  it('writes a layout whose blobs match their digests and whose layers hold the files', async () => {
    const dir = unpack(await buildImageLayout(spec));
    expect(JSON.parse(readFileSync(join(dir, 'oci-layout'), 'utf8'))).toEqual({ imageLayoutVersion: '1.0.0' });
    const root = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'));
    expect(root.manifests[0].annotations['io.containerd.image.name']).toBe('ktctl.local/demo:1');
    const index = readJson(dir, root.manifests[0].digest);
    expect(index.manifests.map((m: any) => m.platform.architecture)).toEqual(['amd64', 'arm64']);
    const manifest = readJson(dir, index.manifests[1].digest);
    const config = readJson(dir, manifest.config.digest);
    expect(config.architecture).toBe('arm64');
    expect(config.config).toMatchObject({ Entrypoint: ['/app'], User: '65534', ExposedPorts: { '8080/tcp': {} } });
    const layerGz = readFileSync(join(dir, 'blobs/sha256', manifest.layers[0].digest.slice(7)));
    expect(`sha256:${createHash('sha256').update(layerGz).digest('hex')}`).toBe(manifest.layers[0].digest);
    const layer = gunzipSync(layerGz);
    expect(`sha256:${createHash('sha256').update(layer).digest('hex')}`).toBe(config.rootfs.diff_ids[0]);
    expect(execFileSync('tar', ['-xOf', '-', 'app'], { input: layer, encoding: 'utf8' })).toBe('arm64 binary');
  });

  it('points index.json straight at the manifest for a single platform', async () => {
    const dir = unpack(await buildImageLayout({ ...spec, platforms: [spec.platforms[0]!] }));
    const root = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'));
    expect(root.manifests[0].mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(root.manifests[0].platform).toEqual({ architecture: 'amd64', os: 'linux' });
  });
});

describe('refAnnotations', () => {
  it('adds :latest when the reference has no tag, and keeps a registry port out of the tag', () => {
    expect(refAnnotations('localhost:5000/x')).toEqual({
      'io.containerd.image.name': 'localhost:5000/x:latest',
      'org.opencontainers.image.ref.name': 'latest',
    });
  });
});
