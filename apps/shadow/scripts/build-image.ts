/**
 * Builds the shadow agent's image as an OCI image-layout tarball, without Docker, for linux/amd64 and
 * linux/arm64, with the project's own image builder (tools/oci-image, run as a program).
 *
 *   npm run build:image -w apps/shadow -- [--arch amd64] [--arch arm64] [--out <file>] [--registry <host>] [--ref <ref>]
 *
 * The default reference is the one ktctl runs: ghcr.io/ktctl/shadow:<version>, or under --registry.
 * Needs: binutils (readelf, strip), binutils-aarch64-linux-gnu, libc6-arm64-cross, libstdc++6-arm64-cross.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { shadowImage } from '@ktctl/config';
import { bundle } from './bundle.mjs';
import { nodeLibraries } from './image/libraries.js';
import { ARCHES, strippedNode, type Arch } from './image/node-base.js';
import { imageSizes } from './image/sizes.js';
import { shadowImageSpec, type PlatformInput } from './image/spec.js';

const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const repoDir = join(appDir, '..', '..');
const cacheDir = join(repoDir, '.cache');

/** The release version: the image tag ktctl asks for. */
export function shadowVersion(): string {
  return (JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8')) as { version: string }).version;
}

function options() {
  const { values } = parseArgs({
    options: { arch: { type: 'string', multiple: true }, out: { type: 'string' }, registry: { type: 'string' }, ref: { type: 'string' } },
  });
  const arches = (values.arch ?? Object.keys(ARCHES)).map((a) => {
    if (!(a in ARCHES)) throw new Error(`--arch must be one of ${Object.keys(ARCHES).join(', ')}`);
    return a as Arch;
  });
  const version = shadowVersion();
  const ref = values.ref ?? shadowImage({ imageRegistry: values.registry }, version);
  // npm -w runs this in apps/shadow; a relative --out means relative to where npm was started.
  const out = values.out
    ? resolve(process.env.INIT_CWD ?? process.cwd(), values.out)
    : join(appDir, 'dist', 'image', `shadow-${version}.oci.tar`);
  return { arches, version, ref, out };
}

/** Bundles the mesh router (apps/router, run as a program: an app does not import another app). */
function bundleRouter(): string {
  const routerDir = join(repoDir, 'apps', 'router');
  execFileSync(process.execPath, [join(routerDir, 'scripts', 'bundle.mjs')], { cwd: routerDir, stdio: ['ignore', 'inherit', 'inherit'] });
  return join(routerDir, 'dist', 'router.cjs');
}

/** Runs the OCI image builder on a spec file. */
function runImageBuilder(specFile: string, out: string): void {
  const cli = join(repoDir, 'tools', 'oci-image', 'src', 'cli.ts');
  execFileSync(process.execPath, ['--import', 'tsx', cli, '--spec', specFile, '--out', out], {
    cwd: repoDir,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

async function main(): Promise<void> {
  const { arches, version, ref, out } = options();
  const warn = (m: string): void => void process.stderr.write(`build-image: warning: ${m}\n`);
  const agent = await bundle();
  const router = bundleRouter();
  const platforms = arches.map((arch): PlatformInput => {
    const node = strippedNode(arch, cacheDir, warn);
    return { arch, node, ...nodeLibraries(arch, node) };
  });
  const work = mkdtempSync(join(tmpdir(), 'kt-shadow-image-'));
  try {
    const specFile = join(work, 'spec.json');
    writeFileSync(specFile, JSON.stringify(shadowImageSpec(ref, version, agent, router, platforms)));
    mkdirSync(dirname(out), { recursive: true });
    runImageBuilder(specFile, out);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const mb = (n: number): string => `${(n / 1e6).toFixed(1)} MB`;
  for (const size of imageSizes(out))
    process.stdout.write(`${ref} linux/${size.architecture}: ${mb(size.compressed)} compressed, ${mb(size.uncompressed)} uncompressed\n`);
  process.stdout.write(`${out}\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    process.stderr.write(`build-image: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
