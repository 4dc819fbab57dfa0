// The release's steps, each run by .github/workflows/release.yml:
//   release stamp <tag>                                   the tag's version into the stamped package.json files
//   release package <dist>                                LICENSE, Wintun's licence and the krew archives beside the binaries
//   release manifests <SHA256SUMS> <tag> <base-url> <out> ktctl.rb (Homebrew), ktctl.json (Scoop), kt.yaml (krew)
//   release check-versions <tag> [--repo d] [--dist d] [--image oci.tar] [--run binary]...
//   release check-image <oci.tar> [--pushed-digest f --pushed-manifest f] [--platform p]... [--file path]...
//   release npm-stage <package-dir> <stage-dir> [--tag t] [--pack out-dir]   built package as npm should see it (npm publish <stage-dir>)
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { packageRelease } from './archives.js';
import { collectClaims, disagreements } from './check-versions.js';
import { layoutProblems, pushedImageProblems, readImageLayout } from './image-layout.js';
import { packStaged, stagePackage } from './npm-package.js';
import { homebrewFormula, krewManifest, parseSha256Sums, scoopManifest } from './manifests.js';
import { stampVersion, versionFromTag } from './version.js';

const repoDir = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
// npm -w runs this in tools/release: relative paths are relative to where npm was started.
const here = (path: string): string => resolve(process.env.INIT_CWD ?? process.cwd(), path);

function fail(lines: readonly string[]): never {
  for (const line of lines) console.error(`release: ${line}`);
  process.exit(1);
}

const commands: Record<string, (args: string[]) => void> = {
  stamp([tag]) {
    if (!tag) fail(['usage: stamp <tag>']);
    const version = versionFromTag(tag);
    for (const file of stampVersion(repoDir, version)) console.log(`${file}: ${version}`);
  },
  package([dist]) {
    if (!dist) fail(['usage: package <dist>']);
    const written = packageRelease(
      here(dist),
      join(repoDir, 'LICENSE'),
      join(repoDir, 'apps', 'ktctl', 'scripts', 'licenses', 'wintun-LICENSE.txt'),
    );
    for (const file of written) console.log(`wrote ${file}`);
  },
  manifests([sumsFile, tag, baseUrl, outDir]) {
    if (!sumsFile || !tag || !baseUrl || !outDir) fail(['usage: manifests <SHA256SUMS> <tag> <base-url> <out-dir>']);
    const release = { version: versionFromTag(tag), baseUrl, artifacts: parseSha256Sums(readFileSync(here(sumsFile), 'utf8')) };
    const out = here(outDir);
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'ktctl.rb'), homebrewFormula(release));
    writeFileSync(join(out, 'ktctl.json'), scoopManifest(release));
    writeFileSync(join(out, 'kt.yaml'), krewManifest(release));
    console.log(`wrote ktctl.rb, ktctl.json and kt.yaml in ${out}`);
  },
  'check-versions'(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { repo: { type: 'string' }, dist: { type: 'string' }, image: { type: 'string' }, run: { type: 'string', multiple: true } },
    });
    if (!positionals[0]) fail(['usage: check-versions <tag> [--repo dir] [--dist dir] [--image oci.tar] [--run binary]...']);
    const version = versionFromTag(positionals[0]);
    const claims = collectClaims({
      ...(values.repo ? { repoDir: here(values.repo) } : {}),
      ...(values.dist ? { distDir: here(values.dist) } : {}),
      ...(values.image ? { image: here(values.image) } : {}),
      run: (values.run ?? []).map(here),
    });
    if (claims.length === 0) fail(['nothing to check: give --repo, --dist, --image or --run']);
    const wrong = disagreements(version, claims);
    if (wrong.length > 0) fail(wrong);
    for (const claim of claims) console.log(`ok  ${claim.version}  ${claim.what}`);
  },
  'npm-stage'(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { pack: { type: 'string' }, tag: { type: 'string' } },
    });
    const [packageDir, stageDir] = positionals;
    if (!packageDir || !stageDir) fail(['usage: npm-stage <package-dir> <stage-dir> [--tag vX.Y.Z] [--pack out-dir]']);
    const version = values.tag ? versionFromTag(values.tag) : undefined;
    const staged = stagePackage(here(packageDir), here(stageDir), join(repoDir, 'LICENSE'), version);
    console.log(`staged ${staged}`);
    if (values.pack) console.log(`packed ${packStaged(staged, here(values.pack))}`);
  },
  'check-image'(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        'pushed-digest': { type: 'string' },
        'pushed-manifest': { type: 'string' },
        platform: { type: 'string', multiple: true },
        file: { type: 'string', multiple: true },
      },
    });
    if (!positionals[0])
      fail(['usage: check-image <oci.tar> [--pushed-digest file --pushed-manifest file] [--platform os/arch]... [--file /path]...']);
    const layout = readImageLayout(readFileSync(here(positionals[0])));
    const platforms = values.platform ?? ['linux/amd64', 'linux/arm64'];
    const problems = layoutProblems(layout, platforms, values.file ?? []);
    if (values['pushed-digest'] || values['pushed-manifest']) {
      if (!values['pushed-digest'] || !values['pushed-manifest']) fail(['--pushed-digest and --pushed-manifest go together']);
      const pushed = {
        digest: readFileSync(here(values['pushed-digest']), 'utf8'),
        manifest: readFileSync(here(values['pushed-manifest'])),
      };
      problems.push(...pushedImageProblems(layout, pushed, platforms));
    }
    if (problems.length > 0) fail(problems);
    console.log(`ok  ${layout.digest}  ${layout.images.map((i) => `${i.platform} ${i.digest}`).join(', ')}`);
  },
};

const [name, ...rest] = process.argv.slice(2);
const command = name ? commands[name] : undefined;
if (!command) fail([`usage: release <${Object.keys(commands).join('|')}> ...`]);
try {
  command(rest);
} catch (error) {
  fail([error instanceof Error ? error.message : String(error)]);
}
