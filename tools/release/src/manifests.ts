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

const HOMEPAGE = 'https://github.com/ktctl/ktctl';
const DESCRIPTION = 'Work on your laptop as if it were inside your Kubernetes cluster';

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
    return [`      url "${a.url}"`, `      sha256 "${a.sha256}"`, '', '      def install', `        bin.install "${file}" => "ktctl"`, '      end'].join('\n');
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

  test do
    assert_match version.to_s, shell_output("#{bin}/ktctl --version")
  end
end
`;
}

/** The Scoop manifest: the Windows binary, shimmed as `ktctl`, with checkver/autoupdate for new releases. */
export function scoopManifest(release: Release): string {
  const windows = artifact(release, 'ktctl-win-x64.exe');
  const manifest = {
    version: release.version,
    description: DESCRIPTION,
    homepage: HOMEPAGE,
    license: 'Apache-2.0',
    architecture: { '64bit': { url: windows.url, hash: windows.sha256 } },
    bin: [['ktctl-win-x64.exe', 'ktctl']],
    checkver: { github: HOMEPAGE },
    autoupdate: {
      architecture: {
        '64bit': {
          url: `${HOMEPAGE}/releases/download/v$version/ktctl-win-x64.exe`,
          hash: { url: '$baseurl/SHA256SUMS' },
        },
      },
    },
  };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}
