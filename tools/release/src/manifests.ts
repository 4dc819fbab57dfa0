import { KREW_PLUGIN, LICENSE_FILES, RELEASE_PLATFORMS } from './platforms.js';

/** A released binary: its file name and SHA-256. */
export interface Artifact {
  readonly file: string;
  readonly sha256: string;
}

export interface Release {
  readonly version: string;
  /** Where the release's files are downloadable, e.g. https://github.com/ktctl/ktctl/releases/download/v1.0.0 */
  readonly baseUrl: string;
  readonly artifacts: readonly Artifact[];
}

/** The GitHub repository releases are published from. */
export const REPOSITORY = 'ktctl/ktctl';
/** The Homebrew tap (`brew install ktctl/tap/ktctl`): GitHub repository `ktctl/homebrew-tap`, file `Formula/ktctl.rb`. */
export const HOMEBREW_TAP = { repository: 'ktctl/homebrew-tap', formulaPath: 'Formula/ktctl.rb', install: 'ktctl/tap/ktctl' } as const;
const HOMEPAGE = `https://github.com/${REPOSITORY}`;
const DESCRIPTION = 'Work on your laptop as if it were inside your Kubernetes cluster';
/** What a Windows user must know before `ktctl connect` (routes, DNS and the Wintun adapter need elevation). */
export const WINDOWS_ADMIN_NOTE =
  'ktctl connect changes routes and DNS and creates a Wintun adapter: run it from an Administrator terminal, or add --disableTunDevice to run only the local SOCKS5 proxy without Administrator rights.';

/** Reads a `sha256sum` listing (`<hex>  <file>` per line). */
export function parseSha256Sums(text: string): Artifact[] {
  return text
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => {
      const match = /^([0-9a-f]{64}) [ *](\S+)$/.exec(line.trim());
      if (!match) throw new Error(`not a sha256sum line: ${line}`);
      return { sha256: match[1]!, file: match[2]! };
    });
}

function artifact(release: Release, file: string): Artifact & { url: string } {
  const found = release.artifacts.find((a) => a.file === file);
  if (!found) throw new Error(`the release has no ${file} (it has ${release.artifacts.map((a) => a.file).join(', ')})`);
  return { ...found, url: `${release.baseUrl.replace(/\/+$/, '')}/${file}` };
}

/** The Homebrew formula: one bare binary per OS and CPU, installed as `ktctl`. */
export function homebrewFormula(release: Release): string {
  const block = (file: string): string => {
    const a = artifact(release, file);
    return [
      `      url "${a.url}"`,
      `      sha256 "${a.sha256}"`,
      '',
      '      def install',
      `        bin.install "${file}" => "ktctl"`,
      '      end',
    ].join('\n');
  };
  return `class Ktctl < Formula
  desc "${DESCRIPTION}"
  homepage "${HOMEPAGE}"
  version "${release.version}"
  license "Apache-2.0"

  on_macos do
    on_arm do
${block('ktctl-darwin-arm64')}
    end
    on_intel do
${block('ktctl-darwin-x64')}
    end
  end

  on_linux do
    on_arm do
${block('ktctl-linux-arm64')}
    end
    on_intel do
${block('ktctl-linux-x64')}
    end
  end

  livecheck do
    url :stable
    strategy :github_latest
  end

  test do
    assert_match version.to_s, shell_output("#{bin}/ktctl --version")
    assert_match "ktctl config", shell_output("#{bin}/ktctl --help")
  end
end
`;
}

/**
 * The Scoop manifest: the Windows binary, shimmed as `ktctl`, with Wintun's licence beside it (the binary
 * embeds wintun.dll), `notes` on elevation, and checkver/autoupdate for new releases.
 */
export function scoopManifest(release: Release): string {
  const windows = artifact(release, 'ktctl-win-x64.exe');
  const wintun = artifact(release, LICENSE_FILES.wintun);
  const manifest = {
    version: release.version,
    description: DESCRIPTION,
    homepage: HOMEPAGE,
    license: 'Apache-2.0',
    notes: WINDOWS_ADMIN_NOTE,
    architecture: { '64bit': { url: [windows.url, wintun.url], hash: [windows.sha256, wintun.sha256] } },
    bin: [['ktctl-win-x64.exe', 'ktctl']],
    checkver: { github: HOMEPAGE },
    autoupdate: {
      architecture: {
        '64bit': {
          url: [
            `${HOMEPAGE}/releases/download/v$version/ktctl-win-x64.exe`,
            `${HOMEPAGE}/releases/download/v$version/${LICENSE_FILES.wintun}`,
          ],
          hash: { url: '$baseurl/SHA256SUMS' },
        },
      },
    },
  };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/**
 * The krew plugin manifest (`kubectl krew install --manifest=kt.yaml`, or a krew index): one platform per
 * archive, selected by os and arch, each installing `kubectl-kt` so that `kubectl kt ...` runs ktctl.
 */
export function krewManifest(release: Release): string {
  const platforms = RELEASE_PLATFORMS.map((p) => {
    const a = artifact(release, p.archive);
    return [
      '  - selector:',
      '      matchLabels:',
      `        os: ${p.os}`,
      `        arch: ${p.arch}`,
      // Quoted: a hash of digits only would otherwise be read as a number.
      `    uri: ${JSON.stringify(a.url)}`,
      `    sha256: ${JSON.stringify(a.sha256)}`,
      `    bin: kubectl-${KREW_PLUGIN}${p.exe}`,
      '    files:',
      '      - from: "*"',
      '        to: "."',
    ].join('\n');
  });
  return `apiVersion: krew.googlecontainertools.github.com/v1alpha2
kind: Plugin
metadata:
  name: ${KREW_PLUGIN}
spec:
  version: ${JSON.stringify(`v${release.version}`)}
  homepage: ${HOMEPAGE}
  shortDescription: ${DESCRIPTION}
  description: |
    ktctl (KtConnect's CLI) as a kubectl plugin: "kubectl kt connect" routes the
    cluster's Service and Pod addresses and DNS names to your laptop; "exchange",
    "mesh" and "preview" send cluster traffic to a local process.
  caveats: |
    "kubectl kt connect" changes routes and DNS: run it with sudo on Linux and
    macOS, or from an Administrator terminal on Windows, or add --disableTunDevice
    for the local SOCKS5 proxy only.
  platforms:
${platforms.join('\n')}
`;
}
