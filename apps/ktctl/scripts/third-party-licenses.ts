// THIRD_PARTY_LICENSES: what a ktctl binary embeds that others wrote, each with its licence text. The npm
// packages are the ones esbuild actually put into the bundle (its metafile), not everything installed; then
// Node.js (every binary is a Node.js binary) and Wintun (inside the Windows binary).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';

export interface BundledPackage {
  readonly name: string;
  readonly version: string;
  /** The package.json `license` field (or the old `licenses` array), as declared. */
  readonly license: string;
  /** Its LICENSE / LICENCE / COPYING / NOTICE files' text; empty when the package ships none. */
  readonly texts: readonly string[];
}

export interface ExtraComponent {
  readonly title: string;
  readonly license: string;
  readonly text: string;
}

interface PackageJson {
  name?: string;
  version?: string;
  license?: string | { type?: string };
  licenses?: Array<{ type?: string }>;
}

/** The folder of the npm package a bundled file belongs to (the innermost node_modules/<name>), if any. */
export function packageRoot(file: string): string | undefined {
  const parts = file.split(/[\\/]/);
  const at = parts.lastIndexOf('node_modules');
  if (at < 0 || at + 1 >= parts.length) return undefined;
  const length = parts[at + 1]!.startsWith('@') ? 2 : 1;
  return parts.slice(0, at + 1 + length).join(sep);
}

function declaredLicense(pkg: PackageJson): string {
  if (typeof pkg.license === 'string') return pkg.license;
  if (pkg.license?.type) return pkg.license.type;
  const types = (pkg.licenses ?? []).map((l) => l.type).filter(Boolean);
  return types.length > 0 ? types.join(' OR ') : 'UNKNOWN';
}

/** Every npm package with at least one file in the bundle, from esbuild's metafile, sorted by name. */
export function bundledPackages(metafile: { inputs: Record<string, unknown> }, workingDir: string): BundledPackage[] {
  const roots = new Set<string>();
  for (const input of Object.keys(metafile.inputs)) {
    const root = packageRoot(input.replace(/^[a-z-]+:/, ''));
    if (root) roots.add(resolve(workingDir, root));
  }
  const packages = new Map<string, BundledPackage>();
  for (const root of roots) {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackageJson;
    const name = pkg.name ?? root.split(sep).slice(-2).join('/');
    const texts = readdirSync(root)
      .filter((f) => /^(licen[cs]e|copying|notice)([.-].*)?$/i.test(f))
      .sort()
      .map((f) => readFileSync(join(root, f), 'utf8').trim());
    packages.set(`${name}@${pkg.version}`, { name, version: pkg.version ?? '?', license: declaredLicense(pkg), texts });
  }
  return [...packages.values()].sort((a, b) => (a.name === b.name ? a.version.localeCompare(b.version) : a.name.localeCompare(b.name)));
}

const RULE = '='.repeat(80);

/** The file's text: a summary list, then each component's licence text. */
export function thirdPartyLicenses(version: string, packages: readonly BundledPackage[], extras: readonly ExtraComponent[]): string {
  const entries = [
    ...extras.map((e) => ({ heading: `${e.title} (${e.license})`, body: e.text.trim() })),
    ...packages.map((p) => ({
      heading: `${p.name} ${p.version} (${p.license})`,
      body:
        p.texts.length > 0
          ? p.texts.join(`\n\n${'-'.repeat(40)}\n\n`)
          : `The package ships no licence file; its package.json declares "${p.license}".`,
    })),
  ];
  return [
    `ktctl ${version} is licensed under the Apache License 2.0 (LICENSE). Its binaries also contain the`,
    'following software by others, each under its own licence, reproduced below.',
    '',
    ...entries.map((e) => `  - ${e.heading}`),
    '',
    ...entries.flatMap((e) => [RULE, e.heading, RULE, '', e.body, '']),
  ].join('\n');
}

/** Node.js's LICENSE: in the npm package a base binary came from, else beside an official Node install. */
export function nodeLicenseBeside(nodeBinary: string): string | undefined {
  for (const candidate of [join(dirname(nodeBinary), '..', 'LICENSE'), join(dirname(nodeBinary), 'LICENSE')]) {
    if (existsSync(candidate)) return readFileSync(candidate, 'utf8');
  }
  return undefined;
}
