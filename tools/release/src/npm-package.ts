// Our npm packages as published. In the repository a package's `exports` point at its TypeScript source (the
// workspace builds and tests against it); npm ignores `publishConfig.exports`, so packing the folder as it is
// would publish exports that resolve to nothing. Instead the package is built, then staged in a folder of its
// own: dist, README and LICENSE, and a package.json whose exports are those of publishConfig. `npm pack` or
// `npm publish` of that folder gives a package that resolves after install.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface Manifest {
  name?: string;
  version?: string;
  private?: boolean;
  exports?: unknown;
  publishConfig?: { exports?: unknown; [key: string]: unknown };
  files?: string[];
  scripts?: Record<string, string>;
  devDependencies?: unknown;
  nx?: unknown;
  [key: string]: unknown;
}

/** The package.json npm should see: publishConfig's exports in place, nothing only the workspace uses. */
export function publishedManifest(manifest: Manifest): Manifest {
  if (manifest.private) throw new Error(`${manifest.name} is private: not published`);
  const { publishConfig, scripts: _scripts, devDependencies: _dev, nx: _nx, ...rest } = manifest;
  if (!publishConfig?.exports) throw new Error(`${manifest.name} has no publishConfig.exports to publish`);
  // A package that bundles its workspace dependencies names what it still needs in publishConfig.dependencies.
  const { exports, dependencies, ...otherPublishConfig } = publishConfig;
  return {
    ...rest,
    ...(dependencies ? { dependencies } : {}),
    exports,
    ...(Object.keys(otherPublishConfig).length ? { publishConfig: otherPublishConfig } : {}),
  };
}

/** Every file an `exports` map points at (conditions and subpaths flattened). */
export function exportTargets(exports: unknown): string[] {
  if (typeof exports === 'string') return [exports];
  if (exports && typeof exports === 'object') return Object.values(exports).flatMap(exportTargets);
  return [];
}

/** Builds the package (its `build` script) and stages it in `stageDir`; returns the staged folder. */
export function stagePackage(packageDir: string, stageDir: string, licenseFile: string, version?: string): string {
  // A clean build: a module since removed from src must not live on in the package.
  rmSync(join(packageDir, 'dist'), { recursive: true, force: true });
  execFileSync('npm', ['run', '-s', 'build'], { cwd: packageDir, stdio: ['ignore', 'inherit', 'inherit'] });
  const manifest = publishedManifest(JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as Manifest);
  // The release publishes it under the tag's version, like every other artifact.
  if (version) {
    manifest.version = version;
    // Our packages are released together: one needing another needs the same release.
    const deps = manifest.dependencies as Record<string, string> | undefined;
    for (const name of Object.keys(deps ?? {})) if (name.startsWith('@ktctl/')) deps![name] = version;
  }
  rmSync(stageDir, { recursive: true, force: true });
  mkdirSync(stageDir, { recursive: true });
  for (const entry of manifest.files ?? ['dist']) cpSync(join(packageDir, entry), join(stageDir, entry), { recursive: true });
  for (const doc of ['README.md']) if (existsSync(join(packageDir, doc))) cpSync(join(packageDir, doc), join(stageDir, doc));
  cpSync(licenseFile, join(stageDir, 'LICENSE'));
  writeFileSync(join(stageDir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const missing = exportTargets(manifest.exports).filter((target) => !existsSync(join(stageDir, target)));
  if (missing.length) throw new Error(`${manifest.name}: exports point at ${missing.join(', ')}, which the build did not write`);
  return stageDir;
}

/** `npm pack` of a staged package into `outDir`; returns the tarball's path. */
export function packStaged(stageDir: string, outDir: string): string {
  mkdirSync(outDir, { recursive: true });
  const out = execFileSync('npm', ['pack', stageDir, '--pack-destination', outDir, '--json'], { encoding: 'utf8' });
  const [packed] = JSON.parse(out) as { filename: string }[];
  return join(outDir, packed!.filename);
}
