// Builds ktctl as standalone binaries with pkg's SEA mode, offline: Node base binaries come from the npm
// registry (see node-bases.ts), and pkg is handed each one (`nodePath`) instead of downloading it.
//   npm run build:binary -w apps/ktctl [-- linux-x64 win-x64 ...]
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { removeCodeSignature } from './macho.js';
import { nativeAssets } from './native-assets.js';
import { TARGETS, hasNodeBase, hostTarget, nodeBase, type BinaryTarget } from './node-bases.js';
import { bundledPackages, nodeLicenseBeside, thirdPartyLicenses } from './third-party-licenses.js';

const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const repoDir = join(appDir, '..', '..');
const cacheDir = join(repoDir, '.cache', 'node-bases');
const outDir = join(appDir, 'dist', 'bin');
const require = createRequire(import.meta.url);

type SeaBuilder = (entry: string, options: object) => Promise<void>;
const sea = (require('@yao-pkg/pkg/lib-es5/sea.js') as { default: SeaBuilder }).default;
const machO = require('@yao-pkg/pkg/lib-es5/mach-o.js') as { removeMachOExecutableSignature: (path: string) => void };

function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

// pkg strips a macOS base binary's signature with Apple's codesign; elsewhere, do it ourselves.
if (!hasCommand('codesign')) machO.removeMachOExecutableSignature = removeCodeSignature;

/** The sentinel postject flips once a SEA blob is injected. */
export const SEA_FUSE_ON = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2:1';

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
    // Ad-hoc signing needs codesign (or ldid): only where it exists; unsigned x64 binaries run on macOS.
    signature: target.platform === 'macos' && (hasCommand('codesign') || hasCommand('ldid')),
    // V8's code cache only helps (and is only accepted) on the machine kind that generated it.
    seaConfig: {
      useCodeCache: target.id === hostTarget().id,
      useSnapshot: false,
      disableExperimentalSEAWarning: true,
      assets: nativeAssets(target, join(repoDir, '.cache', 'native')),
    },
  });
  // pkg settles every target silently: check the blob really went in rather than trusting the promise.
  if (!existsSync(output) || !readFileSync(output).includes(SEA_FUSE_ON)) throw new Error(`pkg produced no usable ${output}`);
  return output;
}

/**
 * dist/bin/THIRD_PARTY_LICENSES: Node.js (from the host's base binary: every target's base is the same Node
 * version), Wintun (inside the Windows binary), and each npm package the bundle holds (bundle.mjs's metafile).
 */
function writeThirdPartyLicenses(nodeBinary: string): void {
  const { version } = JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8')) as { version: string };
  const meta = JSON.parse(readFileSync(join(appDir, 'dist', 'ktctl.meta.json'), 'utf8')) as {
    workingDir: string;
    inputs: Record<string, unknown>;
  };
  const nodeLicense = nodeLicenseBeside(nodeBinary);
  if (!nodeLicense) throw new Error(`no Node.js LICENSE beside ${nodeBinary} (or in its parent folder)`);
  const text = thirdPartyLicenses(version, bundledPackages(meta, meta.workingDir), [
    { title: 'Node.js', license: 'MIT and others, see its text', text: nodeLicense },
    {
      title: 'Wintun (Windows binary only)',
      license: 'Prebuilt Binaries License',
      text: readFileSync(join(appDir, 'scripts', 'licenses', 'wintun-LICENSE.txt'), 'utf8'),
    },
  ]);
  writeFileSync(join(outDir, 'THIRD_PARTY_LICENSES'), text);
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const targets = wanted.length ? TARGETS.filter((t) => wanted.includes(t.id)) : TARGETS.filter((t) => hasNodeBase(t));
  if (wanted.length && targets.length !== wanted.length)
    throw new Error(`unknown target in ${wanted.join(' ')}; known: ${TARGETS.map((t) => t.id).join(' ')}`);
  execFileSync(process.execPath, [join(appDir, 'scripts', 'bundle.mjs')], { stdio: 'inherit' });
  // The SEA blob must come from the same Node version as the base binaries: put that Node first on PATH.
  // pkg also runs `npx postject` from its temporary folder: keep that folder inside the repo so npx
  // finds the pinned postject in node_modules rather than asking the registry.
  const generator = nodeBase(hostTarget(), cacheDir);
  process.env.PATH = [dirname(generator), join(repoDir, 'node_modules', '.bin'), process.env.PATH].join(delimiter);
  process.env.TMPDIR = join(repoDir, '.cache', 'pkg-tmp');
  // Run through npm, we inherit npm_config_local_prefix and friends, which would make that npx look in
  // the wrong workspace and then ask the registry: let it find the repo from its folder, as from a shell.
  for (const name of Object.keys(process.env)) if (name.startsWith('npm_')) delete process.env[name];
  mkdirSync(process.env.TMPDIR, { recursive: true });
  mkdirSync(outDir, { recursive: true });
  writeThirdPartyLicenses(generator);
  for (const target of targets) console.log(`built ${await buildTarget(target, join(appDir, 'dist', 'ktctl.cjs'))}`);
  // Checksums of every binary in the folder, including ones built earlier or on another runner.
  const sums = readdirSync(outDir)
    .filter((name) => name.startsWith('ktctl-'))
    .sort()
    .map(
      (name) =>
        `${createHash('sha256')
          .update(readFileSync(join(outDir, name)))
          .digest('hex')}  ${name}`,
    );
  writeFileSync(join(outDir, 'SHA256SUMS'), `${sums.join('\n')}\n`);
}

await main();
