#!/usr/bin/env bash
# Builds what the ktctl e2e tests run: the standalone linux-x64 binary, and the shadow image imported
# into the test cluster's containerd under the reference ktctl asks for (rebuilt when the agent changed).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
npm run --silent build:binary -w apps/ktctl -- linux-x64 >/dev/null
node apps/shadow/scripts/bundle.mjs
sock="$(node -e "console.log(require('./.cache/cluster/cluster.json').containerdSocket)")"
version="$(node -p "require('./apps/shadow/package.json').version")"
ref="ghcr.io/ktctl/shadow:$version"
stamp=.cache/e2e/shadow-image.sha256
mkdir -p .cache/e2e
want="$(sha256sum apps/shadow/dist/shadow.cjs | cut -d' ' -f1)"
have="$(cat "$stamp" 2>/dev/null || true)"
if [ "$want" != "$have" ] || ! ctr --address "$sock" -n k8s.io images ls -q | grep -qx "$ref"; then
  npm run --silent build:image -w apps/shadow -- --arch amd64 --ref "$ref" --out "$repo/.cache/e2e/shadow.oci.tar" >/dev/null
  ctr --address "$sock" -n k8s.io images import "$repo/.cache/e2e/shadow.oci.tar" >/dev/null
  echo "$want" > "$stamp"
fi
echo "e2e: ktctl binary and $ref ready"
