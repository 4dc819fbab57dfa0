#!/usr/bin/env bash
# Takes the test cluster down and removes everything up.sh made: processes, containers, mounts, network
# namespaces, interfaces, iptables chains, cgroups and the state under /var/lib/ktcluster and /run/ktcluster.
# Keeps the build cache (.cache/cluster: binaries, images, certificates, kubeconfigs). Needs root.
source "$(dirname "$0")/lib.sh"
source "$KT_TOOLS/net.sh"

quiet=false
[ "${1:-}" = --quiet ] && quiet=true
say() { $quiet || log "$@"; }

stop_daemons() {
  local p
  for p in proxy kubelet scheduler controller-manager apiserver; do
    if pid_alive "$p"; then say "stopping $p"; stop_pid "$(pid_of "$p")" 10; fi
  done
}

# stop_containers: kills every container and shim of our containerd (found by our runc root and socket).
stop_containers() {
  local root="$KT_RUN/runc/k8s.io" id pid
  if [ -d "$root" ] && command -v runc >/dev/null; then
    for id in $(runc --root "$root" list -q 2>/dev/null); do
      runc --root "$root" kill "$id" KILL 2>/dev/null || true
    done
    sleep 0.5
    for id in $(runc --root "$root" list -q 2>/dev/null); do
      runc --root "$root" delete --force "$id" 2>/dev/null || true
    done
  fi
  for pid in $(pgrep -f "containerd-shim-runc-v2 .*-address $KT_CONTAINERD_SOCK" || true); do
    stop_pid "$pid" 5
  done
  if pid_alive containerd; then say "stopping containerd"; stop_pid "$(pid_of containerd)" 10; fi
  if pid_alive etcd; then say "stopping etcd"; stop_pid "$(pid_of etcd)" 10; fi
}

unmount_all() {
  local m
  # Deepest first; pod network namespaces are nsfs bind mounts under /run/netns named cni-<uuid>.
  for m in $(findmnt -rn -o TARGET | grep -E "^($KT_STATE|$KT_RUN|/run/containerd|/run/netns/cni-|/var/run/netns/cni-)" | sort -r); do
    umount -l "$m" 2>/dev/null || true
  done
  rm -f /run/netns/cni-* 2>/dev/null || true
}

remove_cgroups() {
  local h
  for h in /sys/fs/cgroup/*/; do
    [ -d "$h$KT_CGROUP" ] || continue
    find "$h$KT_CGROUP" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
}

# remove_made_paths: the host folders up.sh saw appear (the kubelet's device-plugins socket, libcni's
# result cache, ...), and the netns folders when empty.
remove_made_paths() {
  local p
  if [ -f "$KT_RUN/made-paths" ]; then
    while read -r p; do
      case "$p" in
      /run/containerd) pgrep -x containerd >/dev/null || rm -rf /run/containerd ;;
      /run/netns | /etc/netns) ;; # below
      *) rm -rf "$p" ;;
      esac
    done <"$KT_RUN/made-paths"
  fi
  # Empty namespace folders are harmless to remove whoever made them (`ip netns add` makes them again).
  if [ -d /run/netns ] && [ -z "$(ls -A /run/netns)" ]; then
    umount /run/netns 2>/dev/null || true
    rmdir /run/netns 2>/dev/null || true
  fi
  rmdir /etc/netns 2>/dev/null || true
}

main() {
  [ "$(id -u)" = 0 ] || die "must run as root"
  [ "${KT_LOCK_HELD:-}" = 1 ] || take_lock
  stop_daemons
  stop_containers
  unmount_all
  remove_cgroups
  net_down
  remove_made_paths
  rm -rf "$KT_STATE" "$KT_RUN" 2>/dev/null || true
  say "down"
}

main "$@"
