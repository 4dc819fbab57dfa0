#!/usr/bin/env bash
# Installs every Debian package ktctl's tests use (idempotent: apt runs only when something is missing),
# then the test cluster's own packages.
#   zsh, fish       - the completion scripts run in real shells
#   ruby            - syntax check of the generated Homebrew formula, YAML of the krew manifest
#   shellcheck      - the shell of every workflow step, through actionlint (tools/lint-workflows.sh)
#   unzip           - reads back the Windows krew archive
#   openssh-client  - OpenSSH's ssh as the real peer of the shadow agent
#   dnsutils        - dig against the DNS servers
#   dnsmasq-base    - a real upstream DNS server on loopback for the agent's DNS tests
#   curl            - HTTP through the proxies
#   nftables, iptables, iproute2 - the laptop side of connect (kernel redirect, routes), tested in netns
#   binutils, *-arm64-cross - the shadow image build (readelf/strip, arm64 glibc and libstdc++)
#   qemu-user-static - runs the arm64 shadow image in the e2e tests
#   faketime        - ktctl with the laptop clock off from the cluster's (e2e/tests/chaos/skew.test.ts)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
pkgs=(zsh fish ruby shellcheck unzip openssh-client dnsutils dnsmasq-base curl nftables iptables iproute2 binutils binutils-aarch64-linux-gnu
  libc6-arm64-cross libstdc++6-arm64-cross libgcc-s1-arm64-cross qemu-user-static faketime)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
bash "$here/cluster/install-deps.sh"
