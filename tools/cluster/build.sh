#!/usr/bin/env bash
# Builds the cluster's binaries and images into .cache/cluster (skips whatever is up to date).
#   bin/kube       multi-call: apiserver, controller-manager, scheduler, kubelet, proxy, kubectl, etcd
#   bin/coredns    CoreDNS with the plugins the Corefile uses
#   bin/testapp    HTTP (/bytes/<n>, /echo), TCP echo and UDP echo servers
#   bin/pause      the pod sandbox process
#   images/*.tar   OCI image layouts of pause, coredns and testapp
source "$(dirname "$0")/lib.sh"

# stamp_ok NAME INPUTS...: true when the hash of INPUTS matches the one recorded for NAME's last build.
stamp_ok() {
  local name="$1"
  shift
  local sum
  sum="$( (go version; cat "$@") | sha256sum | cut -d' ' -f1)"
  [ -f "$KT_CACHE/stamps/$name" ] && [ "$(cat "$KT_CACHE/stamps/$name")" = "$sum" ] && [ -e "$KT_CACHE/out/$name" ] && return 0
  echo "$sum" >"$KT_CACHE/stamps/$name.next"
  return 1
}
stamp_done() { mv "$KT_CACHE/stamps/$1.next" "$KT_CACHE/stamps/$1"; }

# go_binary NAME DIR [LDFLAGS]: static build of the Go module in DIR to bin/NAME.
go_binary() {
  local name="$1" dir="$2" ld="${3:-}"
  if stamp_ok "$name" "$dir"/go.mod "$dir"/go.sum "$dir"/*.go "$KT_TOOLS/build.sh" 2>/dev/null; then return 0; fi
  log "building $name"
  local t0=$SECONDS
  (cd "$dir" && CGO_ENABLED=0 go build -p "${KT_BUILD_JOBS:-2}" -trimpath -ldflags "-s -w $ld" -o "$KT_BIN/$name.tmp" .)
  mv "$KT_BIN/$name.tmp" "$KT_BIN/$name"
  ln -sfn "../bin/$name" "$KT_CACHE/out/$name"
  stamp_done "$name"
  log "built $name in $((SECONDS - t0))s"
}

build_pause() {
  if stamp_ok pause "$KT_TOOLS/pause/pause.c"; then return 0; fi
  gcc -static -Os -s -o "$KT_BIN/pause" "$KT_TOOLS/pause/pause.c"
  ln -sfn ../bin/pause "$KT_CACHE/out/pause"
  stamp_done pause
}

# image NAME REF OCI-IMAGE-ARGS...: writes images/NAME.tar when its inputs changed.
image() {
  local name="$1" ref="$2"
  shift 2
  local inputs=("$KT_TOOLS/build.sh" "$KT_REPO"/tools/oci-image/src/*.ts)
  local a
  for a in "$@"; do case "$a" in /*=/*) inputs+=("${a#*=}") ;; esac; done
  if stamp_ok "image-$name" "${inputs[@]}"; then return 0; fi
  (cd "$KT_REPO" && node_modules/.bin/tsx tools/oci-image/src/cli.ts --ref "$ref" --out "$KT_CACHE/images/$name.tar" --arch "$KT_ARCH" "$@")
  ln -sfn "../images/$name.tar" "$KT_CACHE/out/image-$name"
  stamp_done "image-$name"
}

# busybox_links: --symlink arguments for every applet of Debian's static busybox, as /bin/<applet>.
busybox_links() {
  local applet
  for applet in $(/bin/busybox --list); do
    [ "$applet" = busybox ] || printf -- '--symlink=/bin/%s=busybox\n' "$applet"
  done
}

main() {
  mkdir -p "$KT_BIN" "$KT_CACHE/images" "$KT_CACHE/stamps" "$KT_CACHE/out"
  [ -x "$KT_REPO/node_modules/.bin/tsx" ] || die "node_modules/.bin/tsx missing: run 'npm ci' at the repo root first"
  local v=$KT_K8S_VERSION pkg=k8s.io/component-base/version cpkg=k8s.io/client-go/pkg/version
  go_binary kube "$KT_TOOLS/kube" "-X $pkg.gitVersion=$v -X $pkg.gitMajor=1 -X $pkg.gitMinor=32 -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z -X $cpkg.gitVersion=$v -X $cpkg.gitMajor=1 -X $cpkg.gitMinor=32"
  ln -sfn kube "$KT_BIN/kubectl"
  go_binary coredns "$KT_TOOLS/coredns"
  go_binary testapp "$KT_TOOLS/testapps"
  build_pause
  image pause "$KT_IMG_PAUSE" --add "/pause=$KT_BIN/pause" --entrypoint '["/pause"]'
  image coredns "$KT_IMG_COREDNS" --add "/coredns=$KT_BIN/coredns" --dir /tmp \
    --entrypoint '["/coredns"]' --port 53/udp --port 53/tcp
  mapfile -t links < <(busybox_links)
  image testapp "$KT_IMG_TESTAPP" --add "/testapp=$KT_BIN/testapp" --add "/bin/busybox=/bin/busybox" \
    "${links[@]}" --dir /tmp --entrypoint '["/testapp"]' --cmd '["serve"]' --port 8080/tcp --port 9000/tcp --port 9001/udp
}

main "$@"
