#!/usr/bin/env bash
# Builds the multi-call Kubernetes binary into .cache/cluster/bin/kube (cached by Go's build cache).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/../../.cache/cluster/bin/kube}"
v=v1.32.13
pkg=k8s.io/component-base/version
ld="-s -w -X $pkg.gitVersion=$v -X $pkg.gitMajor=1 -X $pkg.gitMinor=32 -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
ld="$ld -X k8s.io/client-go/pkg/version.gitVersion=$v -X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=32"
cd "$here/kube"
CGO_ENABLED=0 go build -p "${KT_BUILD_JOBS:-2}" -trimpath -ldflags "$ld" -o "$out" .
