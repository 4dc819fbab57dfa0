// Builds ktctl as standalone binaries with pkg's SEA mode, offline: Node base binaries come from the npm
// registry (see node-bases.ts), and pkg is handed each one (`nodePath`) instead of downloading it.
//   npm run build:binary -w apps/ktctl [-- linux-x64 win-x64 ...]
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TARGETS, hostTarget, nodeBase, type BinaryTarget } from './node-bases.js';

const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const repoDir = join(appDir, '..', '..');
const cacheDir = join(repoDir, '.cache', 'node-bases');
const outDir = join(appDir, 'dist', 'bin');
const require = createRequire(import.meta.url);

type SeaBuilder = (entry: string, options: object) => Promise<void>;
const sea = (require('@yao-pkg/pkg/lib-es5/sea.js') as { default: SeaBuilder }).default;

/** Output file name of a target's binary. */
export function binaryName(target: BinaryTarget): string {
  return `ktctl-${target.id}${target.exe}`;
}

async function buildTarget(target: BinaryTarget, bundle: string): Promise<string> {
  const output = join(outDir, binaryName(target));
  rmSync(output, { force: true });
  await sea(bundle, {
    targets: [{ nodeRange: 'node22', platform: target.platform, arch: target.arch, output }],
    nodePath: nodeBase(target, cacheDir),
    signature: target.platform === 'macos',
    // V8's code cache only helps (and is only accepted) on the machine kind that generated it.
    seaConfig: { useCodeCache: target.id === hostTarget().id, useSnapshot: false, disableExperimentalSEAWarning: true },
  });
  // pkg settles every target silently: check the output exists rather than trusting the promise.
  if (!existsSync(output)) throw new Error(`pkg produced no ${output}`);
  return output;
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const targets = wanted.length ? TARGETS.filter((t) => wanted.includes(t.id)) : TARGETS;
  if (wanted.length && targets.length !== wanted.length) throw new Error(`unknown target in ${wanted.join(' ')}; known: ${TARGETS.map((t) => t.id).join(' ')}`);
  execFileSync(process.execPath, [join(appDir, 'scripts', 'bundle.mjs')], { stdio: 'inherit' });
  // The SEA blob must come from the same Node version as the base binaries: put that Node first on PATH.
  // pkg also runs `npx postject` from its temporary folder: keep that folder inside the repo so npx
  // finds the pinned postject in node_modules rather than asking the registry.
  const generator = nodeBase(hostTarget(), cacheDir);
  process.env.PATH = [dirname(generator), join(repoDir, 'node_modules', '.bin'), process.env.PATH].join(delimiter);
  process.env.TMPDIR = join(repoDir, '.cache', 'pkg-tmp');
  mkdirSync(process.env.TMPDIR, { recursive: true });
  mkdirSync(outDir, { recursive: true });
  const sums: string[] = [];
  for (const target of targets) {
    const output = await buildTarget(target, join(appDir, 'dist', 'ktctl.cjs'));
    const digest = createHash('sha256').update(readFileSync(output)).digest('hex');
    sums.push(`${digest}  ${basename(output)}`);
    console.log(`built ${output}`);
  }
  writeFileSync(join(outDir, 'SHA256SUMS'), `${sums.join('\n')}\n`);
}

await main();
