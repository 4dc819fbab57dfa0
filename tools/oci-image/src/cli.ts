#!/usr/bin/env -S npx tsx
/**
 * oci-image: writes an OCI image-layout tarball.
 *
 *   oci-image --ref ktctl.local/app:1 --out app.tar [--arch amd64 --arch arm64]
 *     [--add /dest=host/src/{arch}/file]... [--symlink /bin/sh=busybox]... [--dir /tmp]...
 *     [--entrypoint '["/app"]'] [--cmd '["serve"]'] [--env K=V]... [--user 65534] [--workdir /]
 *     [--port 8080/tcp]... [--label k=v]...
 *   oci-image --spec image.json --out app.tar      (an ImageSpec as JSON, for several layers)
 *
 * `{arch}` in a host path is replaced by each platform's architecture. All items go into one layer.
 */
import { realpathSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeImageLayout, type Architecture, type ImageSpec } from './image.js';
import type { LayerItem } from './layer.js';

const ARCHES: readonly Architecture[] = ['amd64', 'arm64'];

/** Turns command-line arguments into an image spec and an output path. */
export async function specFromArgs(argv: string[]): Promise<{ spec: ImageSpec; out: string }> {
  const { values: v } = parseArgs({
    args: argv,
    options: {
      spec: { type: 'string' },
      ref: { type: 'string' },
      out: { type: 'string' },
      arch: { type: 'string', multiple: true },
      add: { type: 'string', multiple: true },
      symlink: { type: 'string', multiple: true },
      dir: { type: 'string', multiple: true },
      entrypoint: { type: 'string' },
      cmd: { type: 'string' },
      env: { type: 'string', multiple: true },
      user: { type: 'string' },
      workdir: { type: 'string' },
      port: { type: 'string', multiple: true },
      label: { type: 'string', multiple: true },
    },
  });
  if (!v.out) throw new Error('oci-image: --out is required');
  if (v.spec) return { spec: JSON.parse(await readFile(v.spec, 'utf8')) as ImageSpec, out: v.out };
  if (!v.ref) throw new Error('oci-image: --ref (or --spec) is required');
  const arches = (v.arch ?? ['amd64']).map(checkArch);
  const platforms = arches.map((architecture) => ({ architecture, layers: [layerFromArgs(v, architecture)] }));
  const spec: ImageSpec = {
    ref: v.ref,
    platforms,
    config: {
      ...(v.entrypoint ? { entrypoint: argList(v.entrypoint) } : {}),
      ...(v.cmd ? { cmd: argList(v.cmd) } : {}),
      ...(v.env ? { env: v.env } : {}),
      ...(v.user ? { user: v.user } : {}),
      ...(v.workdir ? { workdir: v.workdir } : {}),
      ...(v.port ? { exposedPorts: v.port } : {}),
      ...(v.label ? { labels: Object.fromEntries(v.label.map((l) => pair(l, '--label'))) } : {}),
    },
  };
  return { spec, out: v.out };
}

type Flags = { add?: string[] | undefined; symlink?: string[] | undefined; dir?: string[] | undefined };

function layerFromArgs(v: Flags, arch: Architecture): LayerItem[] {
  return [
    ...(v.dir ?? []).map((path): LayerItem => ({ path, dir: true })),
    ...(v.add ?? []).map((a): LayerItem => {
      const [path, from] = pair(a, '--add');
      return { path, from: from.replaceAll('{arch}', arch) };
    }),
    ...(v.symlink ?? []).map((s): LayerItem => {
      const [path, symlink] = pair(s, '--symlink');
      return { path, symlink };
    }),
  ];
}

/** A JSON array of strings, or a single word. */
function argList(s: string): string[] {
  if (!s.trimStart().startsWith('[')) return [s];
  const parsed: unknown = JSON.parse(s);
  if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === 'string')) {
    throw new Error(`oci-image: expected a JSON array of strings, got ${s}`);
  }
  return parsed;
}

function pair(s: string, flag: string): [string, string] {
  const i = s.indexOf('=');
  if (i <= 0) throw new Error(`oci-image: ${flag} wants NAME=VALUE, got ${JSON.stringify(s)}`);
  return [s.slice(0, i), s.slice(i + 1)];
}

function checkArch(a: string): Architecture {
  if (!(ARCHES as readonly string[]).includes(a)) throw new Error(`oci-image: --arch must be one of ${ARCHES.join(', ')}`);
  return a as Architecture;
}

async function main(): Promise<void> {
  const { spec, out } = await specFromArgs(process.argv.slice(2));
  await writeImageLayout(spec, out);
  process.stderr.write(`oci-image: wrote ${spec.ref} to ${out}\n`);
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
