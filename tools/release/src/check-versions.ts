// One version everywhere: what each artifact of a release says its version is, and where they disagree.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readImageLayout } from './image-layout.js';
import { STAMPED_PACKAGES } from './version.js';

/** The bundler writes this, then the version, into the bundle every binary carries (apps/ktctl/scripts/bundle.mjs). */
export const BINARY_VERSION_MARKER = 'ktctl-release-version:';

/** One artifact's claim: `what` says it is `version`. */
export interface VersionClaim {
  readonly what: string;
  readonly version: string | undefined;
}

/** The claims that differ from `version` (the tag's), as readable lines. */
export function disagreements(version: string, claims: readonly VersionClaim[]): string[] {
  return claims
    .filter((c) => c.version !== version)
    .map((c) => `${c.what} says ${c.version === undefined ? 'nothing' : `"${c.version}"`}, the tag says "${version}"`);
}

/** The versions a binary's bundle was stamped with (one, unless the file is corrupt). */
export function binaryVersions(binary: Buffer): string[] {
  const found = new Set<string>();
  const marker = Buffer.from(BINARY_VERSION_MARKER);
  for (let at = binary.indexOf(marker); at >= 0; at = binary.indexOf(marker, at + 1)) {
    const rest = binary.toString('latin1', at + marker.length, at + marker.length + 80);
    const match = /^\s*([0-9A-Za-z.+-]+)/.exec(rest);
    if (match) found.add(match[1]!);
  }
  return [...found];
}

/** Each `url`/`uri`'s release folder in a manifest: `.../releases/download/v1.2.3/file` → `1.2.3`. */
function urlVersions(text: string): string[] {
  // Scoop's autoupdate URLs are templates (`v$version`): not a claim.
  return [...text.matchAll(/\/releases\/download\/v([^/"\s$][^/"\s]*)\//g)].map((m) => m[1]!);
}

function manifestClaims(file: string, own: string | undefined): VersionClaim[] {
  const text = readFileSync(file, 'utf8');
  const urls = urlVersions(text);
  return [{ what: file, version: own }, ...urls.map((v, i) => ({ what: `${file} download URL ${i + 1}`, version: v }))];
}

export function formulaClaims(file: string): VersionClaim[] {
  return manifestClaims(file, /^\s*version "([^"]+)"/m.exec(readFileSync(file, 'utf8'))?.[1]);
}

export function scoopClaims(file: string): VersionClaim[] {
  return manifestClaims(file, (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version);
}

export function krewClaims(file: string): VersionClaim[] {
  return manifestClaims(file, /^\s+version: "v([^"]+)"$/m.exec(readFileSync(file, 'utf8'))?.[1]);
}

/** The image's tag (ref.name), the reference it was built for, and every platform's version label. */
export function imageClaims(file: string): VersionClaim[] {
  const layout = readImageLayout(readFileSync(file));
  const annotations = layout.top.annotations ?? {};
  const refTag = /:([^:/]+)$/.exec(annotations['io.containerd.image.name'] ?? '')?.[1];
  return [
    { what: `${file} tag`, version: annotations['org.opencontainers.image.ref.name'] },
    { what: `${file} reference`, version: refTag },
    ...layout.images.map((i) => ({
      what: `${file} ${i.platform} label org.opencontainers.image.version`,
      version: i.labels['org.opencontainers.image.version'],
    })),
  ];
}

export function packageClaims(repoDir: string): VersionClaim[] {
  return STAMPED_PACKAGES.map((p) => ({
    what: p,
    version: (JSON.parse(readFileSync(join(repoDir, p), 'utf8')) as { version?: string }).version,
  }));
}

/** Every `ktctl-*` binary in a folder: the version stamped into its bundle. */
export function binaryClaims(distDir: string): VersionClaim[] {
  return readdirSync(distDir)
    .filter((name) => /^ktctl-[a-z]+-[a-z0-9]+(\.exe)?$/.test(name))
    .sort()
    .flatMap((name) => {
      const versions = binaryVersions(readFileSync(join(distDir, name)));
      return versions.length === 1
        ? [{ what: name, version: versions[0] }]
        : [{ what: `${name} (stamped ${versions.length} times)`, version: versions.join(', ') || undefined }];
    });
}

/** What a binary that runs here prints for `--version`: its version, and the image line's tag. */
export function runClaims(binary: string): VersionClaim[] {
  const run = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  const lines = (run.stdout ?? '').split('\n');
  const image = /^shadow image: (\S+)$/m.exec(run.stdout ?? '')?.[1];
  return [
    { what: `${binary} --version`, version: run.status === 0 ? lines[0]?.trim() : undefined },
    { what: `${binary} --version's shadow image tag`, version: image ? /:([^:/]+)$/.exec(image)?.[1] : undefined },
  ];
}

export interface CheckInput {
  readonly repoDir?: string;
  readonly distDir?: string;
  readonly image?: string;
  readonly run?: readonly string[];
}

/** Every claim the given places make; a release manifest expected in distDir but absent is a claim of nothing. */
export function collectClaims(input: CheckInput): VersionClaim[] {
  const claims: VersionClaim[] = [];
  if (input.repoDir) claims.push(...packageClaims(input.repoDir));
  if (input.distDir) {
    claims.push(...binaryClaims(input.distDir));
    const manifest = (name: string, read: (file: string) => VersionClaim[]) => {
      const file = join(input.distDir!, name);
      if (existsSync(file)) claims.push(...read(file));
    };
    manifest('ktctl.rb', formulaClaims);
    manifest('ktctl.json', scoopClaims);
    manifest('kt.yaml', krewClaims);
  }
  if (input.image) claims.push(...imageClaims(input.image));
  for (const binary of input.run ?? []) claims.push(...runClaims(binary));
  return claims;
}
