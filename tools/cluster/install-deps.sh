#!/usr/bin/env bash
# Installs the Debian packages the test cluster runs on (idempotent; skips apt when all are present).
set -euo pipefail
pkgs=(containerd runc containernetworking-plugins iptables conntrack busybox-static dnsutils iproute2
  openssl util-linux procps psmisc gcc libc6-dev)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "cluster: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# No init system runs here: keep package scripts from starting the distro's own containerd service.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
