// The krew archives: each platform's binary as `kubectl-kt` (kubectl runs `kubectl kt` through it), with
// ktctl's licence and the licences of what the binary embeds; Windows' also carries Wintun's.
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { KREW_PLUGIN, LICENSE_FILES, RELEASE_PLATFORMS, type ReleasePlatform } from './platforms.js';
import { writeTar } from './tar.js';
import { writeZip } from './zip.js';

export interface ArchiveInputs {
  readonly binary: Buffer;
  readonly license: Buffer;
  readonly thirdParty: Buffer;
  readonly wintun: Buffer;
}

/** The archive's files, in order: the plugin binary first. */
export function archiveFiles(platform: ReleasePlatform, inputs: ArchiveInputs): { path: string; data: Buffer; mode: number }[] {
  return [
    { path: `kubectl-${KREW_PLUGIN}${platform.exe}`, data: inputs.binary, mode: 0o755 },
    { path: LICENSE_FILES.license, data: inputs.license, mode: 0o644 },
    { path: LICENSE_FILES.thirdParty, data: inputs.thirdParty, mode: 0o644 },
    ...(platform.os === 'windows' ? [{ path: LICENSE_FILES.wintun, data: inputs.wintun, mode: 0o644 }] : []),
  ];
}

/** One platform's krew archive: a reproducible .tar.gz, or a .zip on Windows. */
export function krewArchive(platform: ReleasePlatform, inputs: ArchiveInputs): Buffer {
  const files = archiveFiles(platform, inputs);
  // mtime 0 in the gzip header too (level 9, no file name): the same binary always gives the same hash.
  return platform.os === 'windows' ? writeZip(files) : gzipSync(writeTar(files), { level: 9 });
}

/**
 * Puts the release together in `distDir`, which holds the binaries and THIRD_PARTY_LICENSES of the binary
 * build: copies LICENSE and Wintun's licence beside them and writes every krew archive. Returns the files written.
 */
export function packageRelease(distDir: string, licenseFile: string, wintunLicenseFile: string): string[] {
  const thirdPartyFile = join(distDir, LICENSE_FILES.thirdParty);
  if (!existsSync(thirdPartyFile)) throw new Error(`${thirdPartyFile} is missing: the binary build writes it`);
  copyFileSync(licenseFile, join(distDir, LICENSE_FILES.license));
  copyFileSync(wintunLicenseFile, join(distDir, LICENSE_FILES.wintun));
  const common = { license: readFileSync(licenseFile), thirdParty: readFileSync(thirdPartyFile), wintun: readFileSync(wintunLicenseFile) };
  const written = [join(distDir, LICENSE_FILES.license), join(distDir, LICENSE_FILES.wintun)];
  for (const platform of RELEASE_PLATFORMS) {
    const binaryFile = join(distDir, platform.binary);
    if (!existsSync(binaryFile)) throw new Error(`the release has no ${platform.binary} in ${distDir}`);
    const out = join(distDir, platform.archive);
    writeFileSync(out, krewArchive(platform, { ...common, binary: readFileSync(binaryFile) }));
    written.push(out);
  }
  return written;
}
