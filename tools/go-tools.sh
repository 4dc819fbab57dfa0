#!/usr/bin/env bash
# Builds the Go tools the checks use into .cache/bin, from the Go module proxy (the only place besides npm and
# Debian our machines reach), pinned; each is built once and kept until its pin changes.
#   actionlint - checks the GitHub Actions workflows (tools/lint-workflows.sh), which only run on GitHub
#   crane      - the release workflow's push tool; tools/release's tests push a shadow-shaped image with it
#                to a throwaway local registry (`crane registry serve`) and check the pushed index
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
bin="$repo/.cache/bin"
export PATH="$PATH:/usr/local/go/bin"
tools=(
  "actionlint github.com/rhysd/actionlint/cmd/actionlint v1.7.12"
  "crane github.com/google/go-containerregistry/cmd/crane v0.22.1"
)
for tool in "${tools[@]}"; do
  read -r name module version <<<"$tool"
  stamp="$bin/.$name.version"
  if [ -x "$bin/$name" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$version" ]; then continue; fi
  command -v go >/dev/null || { echo "go-tools: needs Go (>= 1.22) to build $name $version" >&2; exit 1; }
  echo "go-tools: building $name $version into $bin" >&2
  mkdir -p "$bin"
  GOBIN="$bin" GOFLAGS="-mod=mod -buildvcs=false" go install "$module@$version"
  echo "$version" >"$stamp"
done
