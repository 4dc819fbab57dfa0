/** One platform a release ships a binary for, with its names in each package manager's terms. */
export interface ReleasePlatform {
  /** The binary build's target id (apps/ktctl/scripts/node-bases.ts). */
  readonly id: string;
  /** The release asset: the bare binary. */
  readonly binary: string;
  /** krew's `os` and `arch` selector labels (Go's GOOS/GOARCH). */
  readonly os: 'linux' | 'darwin' | 'windows';
  readonly arch: 'amd64' | 'arm64';
  /** The krew archive holding it as `kubectl-kt`. */
  readonly archive: string;
  /** `.exe` on Windows. */
  readonly exe: string;
}

function platform(id: string, os: ReleasePlatform['os'], arch: ReleasePlatform['arch']): ReleasePlatform {
  const exe = os === 'windows' ? '.exe' : '';
  return { id, binary: `ktctl-${id}${exe}`, os, arch, archive: `kubectl-kt-${os}-${arch}.${os === 'windows' ? 'zip' : 'tar.gz'}`, exe };
}

/** Every platform of a release; a release missing any of them is refused. */
export const RELEASE_PLATFORMS: readonly ReleasePlatform[] = [
  platform('linux-x64', 'linux', 'amd64'),
  platform('linux-arm64', 'linux', 'arm64'),
  platform('darwin-x64', 'darwin', 'amd64'),
  platform('darwin-arm64', 'darwin', 'arm64'),
  platform('win-x64', 'windows', 'amd64'),
];

/** The files beside every binary in its archive and in the release. */
export const LICENSE_FILES = { license: 'LICENSE', thirdParty: 'THIRD_PARTY_LICENSES', wintun: 'wintun-LICENSE.txt' } as const;

/** The name kubectl finds a plugin by: `kubectl kt ...` runs `kubectl-kt`. */
export const KREW_PLUGIN = 'kt';
