import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disagreements, imageClaims } from './check-versions.js';
import { layoutProblems, pushedImageProblems, readImageLayout, sha256Digest, type ImageLayout } from './image-layout.js';
import { readTar } from './tar.js';

const repo = join(import.meta.dirname, '..', '..', '..');
const PLATFORMS = ['linux/amd64', 'linux/arm64'];
const dir = mkdtempSync(join(tmpdir(), 'ktctl-image-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A two-platform image written by our own OCI builder, run as a program as the shadow image build runs it. */
function buildImage(version: string, extra: string[] = []): string {
  const program = join(dir, 'program.cjs');
  writeFileSync(program, 'console.log("hi")\n');
  const out = join(dir, `image-${version}.oci.tar`);
  execFileSync(
    process.execPath,
    [
      '--import',
      'tsx',
      join(repo, 'tools', 'oci-image', 'src', 'cli.ts'),
      '--ref',
      `ghcr.io/ktctl/shadow:${version}`,
      '--out',
      out,
      '--arch',
      'amd64',
      '--arch',
      'arm64',
      '--add',
      `/opt/ktctl/shadow.cjs=${program}`,
      '--label',
      `org.opencontainers.image.version=${version}`,
      ...extra,
    ],
    { cwd: repo, stdio: 'pipe' },
  );
  return out;
}

/** The bytes a registry would serve for the tag after `crane push`: the layout's index blob. */
function servedIndex(file: string, layout: ImageLayout): Buffer {
  return readTar(readFileSync(file)).find((e) => e.path === `blobs/sha256/${layout.digest.slice(7)}`)!.data;
}

describe('the image check', () => {
  let file: string;
  let layout: ImageLayout;
  beforeAll(() => {
    file = buildImage('1.2.3', ['--add', `/opt/ktctl/router.cjs=${join(dir, 'program.cjs')}`]);
    layout = readImageLayout(readFileSync(file));
  });

  it('reads both platforms, their labels and their files out of the tarball', () => {
    expect(layout.top.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(layout.images.map((i) => i.platform)).toEqual(PLATFORMS);
    expect(layout.images.every((i) => i.files.includes('opt/ktctl/shadow.cjs') && i.files.includes('opt/ktctl/router.cjs'))).toBe(true);
    expect(layoutProblems(layout, PLATFORMS, ['/opt/ktctl/shadow.cjs', '/opt/ktctl/router.cjs'])).toEqual([]);
    expect(layoutProblems(layout, [...PLATFORMS, 'linux/riscv64'], ['/opt/ktctl/mesh.cjs'])).toEqual([
      'linux/amd64 has no /opt/ktctl/mesh.cjs',
      'linux/arm64 has no /opt/ktctl/mesh.cjs',
      'the image has no linux/riscv64',
    ]);
  });

  it('finds the tag, the reference and each platform label at the version', () => {
    expect(disagreements('1.2.3', imageClaims(file))).toEqual([]);
    expect(disagreements('1.2.4', imageClaims(file))).toHaveLength(4);
  });

  it("accepts a pushed index that is the tarball's, byte for byte", () => {
    const manifest = servedIndex(file, layout);
    expect(pushedImageProblems(layout, { digest: `${layout.digest}\n`, manifest }, PLATFORMS)).toEqual([]);
  });

  it('refuses a pushed index missing a platform, pointing elsewhere, or not matching its digest', () => {
    const index = JSON.parse(servedIndex(file, layout).toString('utf8'));
    const onlyAmd64 = Buffer.from(JSON.stringify({ ...index, manifests: index.manifests.slice(0, 1) }));
    expect(pushedImageProblems(layout, { digest: sha256Digest(onlyAmd64), manifest: onlyAmd64 }, PLATFORMS)).toEqual([
      `the pushed index is ${sha256Digest(onlyAmd64)}, the tarball's is ${layout.digest}`,
      'the pushed index has no linux/arm64',
    ]);
    const other = readImageLayout(readFileSync(buildImage('9.9.9')));
    const otherIndex = servedIndex(join(dir, 'image-9.9.9.oci.tar'), other);
    const problems = pushedImageProblems(layout, { digest: other.digest, manifest: otherIndex }, PLATFORMS);
    expect(problems).toHaveLength(3);
    expect(problems[1]).toMatch(/^linux\/amd64: pushed sha256:[0-9a-f]{64}, the tarball's is/);
    expect(pushedImageProblems(layout, { digest: other.digest, manifest: servedIndex(file, layout) }, PLATFORMS)[0]).toMatch(
      /serves a manifest of digest/,
    );
    const single = Buffer.from(JSON.stringify(index.manifests[0]));
    expect(pushedImageProblems(layout, { digest: sha256Digest(single), manifest: single }, PLATFORMS).at(-1)).toBe(
      'the pushed image is not a multi-platform index',
    );
  });

  it('refuses a tarball whose blob does not match its digest', () => {
    const entries = readTar(readFileSync(file));
    const broken = readFileSync(file);
    const blob = entries.find((e) => e.path === `blobs/sha256/${layout.digest.slice(7)}`)!;
    const at = broken.indexOf(blob.data);
    broken[at + 10] = broken[at + 10]! ^ 1;
    expect(() => readImageLayout(broken)).toThrow(/does not match its digest|is not JSON/);
  });
});
