#!/usr/bin/env bash
# Builds the test app from tools/cluster/testapps as its own image (ktctl.local/testapp:mesh) and imports it
# into the test cluster, unless done for this source already: the mesh tests need its gRPC and WebSocket
# modes, and a cluster brought up before they existed runs an older ktctl.local/testapp:1, which other
# tests keep using untouched. Offline: Go builds from its module cache.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../../.." && pwd)"
cd "$repo"
ref=ktctl.local/testapp:mesh
out=.cache/e2e/testapp-mesh
mkdir -p "$out"
exec 9>"$out/lock"
flock 9
sock="$(node -e "console.log(require('./.cache/cluster/cluster.json').containerdSocket)")"
want="$(cat tools/cluster/testapps/go.* tools/cluster/testapps/*.go | sha256sum | cut -d' ' -f1)"
if [ "$want" = "$(cat "$out/stamp" 2>/dev/null || true)" ] && ctr --address "$sock" -n k8s.io images ls -q | grep -qx "$ref"; then
  echo "$ref"; exit 0
fi
(cd tools/cluster/testapps && CGO_ENABLED=0 GOPROXY=off go build -trimpath -ldflags "-s -w" -o "$repo/$out/testapp" .)
links=()
for applet in $(/bin/busybox --list); do [ "$applet" = busybox ] || links+=("--symlink=/bin/$applet=busybox"); done
node_modules/.bin/tsx tools/oci-image/src/cli.ts --ref "$ref" --out "$out/image.tar" --arch amd64 \
  --add "/testapp=$repo/$out/testapp" --add "/bin/busybox=/bin/busybox" "${links[@]}" --dir /tmp \
  --entrypoint '["/testapp"]' --cmd '["serve"]' --port 8080/tcp --port 9090/tcp >/dev/null
ctr --address "$sock" -n k8s.io images import "$out/image.tar" >/dev/null
echo "$want" > "$out/stamp"
echo "$ref"
