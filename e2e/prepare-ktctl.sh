#!/usr/bin/env bash
# Builds what the ktctl e2e tests run: the standalone linux-x64 binary, and the shadow image imported
# into the test cluster's containerd under the reference ktctl asks for (rebuilt when the agent changed).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
mkdir -p .cache/e2e/bin
# Several e2e runs may share one checkout (and one cluster): one prepares at a time, and the binary the
# tests run is replaced by a rename, so a ktctl already running keeps its file.
exec 9>.cache/e2e/prepare.lock
flock 9
npm run --silent build:binary -w apps/ktctl -- linux-x64 >/dev/null
install -m 0755 apps/ktctl/dist/bin/ktctl-linux-x64 .cache/e2e/bin/ktctl.new
mv -f .cache/e2e/bin/ktctl.new .cache/e2e/bin/ktctl
node apps/shadow/scripts/bundle.mjs
# The image also carries the mesh router: a change to either program makes a new image.
(cd apps/router && node scripts/bundle.mjs)
sock="$(node -e "console.log(require('./.cache/cluster/cluster.json').containerdSocket)")"
version="$(node -p "require('./apps/shadow/package.json').version")"
ref="ghcr.io/ktctl/shadow:$version"
stamp=.cache/e2e/shadow-image.sha256
want="$(cat apps/shadow/dist/shadow.cjs apps/router/dist/router.cjs | sha256sum | cut -d' ' -f1)"
have="$(cat "$stamp" 2>/dev/null || true)"
if [ "$want" != "$have" ] || ! ctr --address "$sock" -n k8s.io images ls -q | grep -qx "$ref"; then
  npm run --silent build:image -w apps/shadow -- --arch amd64 --ref "$ref" --out "$repo/.cache/e2e/shadow.oci.tar" >/dev/null
  ctr --address "$sock" -n k8s.io images import "$repo/.cache/e2e/shadow.oci.tar" >/dev/null
  echo "$want" > "$stamp"
fi
echo "e2e: ktctl binary and $ref ready"
