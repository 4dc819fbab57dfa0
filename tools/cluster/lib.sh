# Shared settings and helpers of the test-cluster scripts (sourced, not run).
# Addresses: every one of them lives on an interface or namespace these scripts create.
set -euo pipefail

KT_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
KT_TOOLS="$KT_REPO/tools/cluster"
KT_CACHE="${KT_CLUSTER_CACHE:-$KT_REPO/.cache/cluster}" # binaries, images, certificates, kubeconfigs, logs
KT_BIN="$KT_CACHE/bin"
KT_PKI="$KT_CACHE/pki"
KT_LOGS="$KT_CACHE/logs"
KT_STATE=/var/lib/ktcluster # etcd, containerd, kubelet and CNI state: wiped by down.sh
KT_RUN=/run/ktcluster       # sockets and pid files
KT_CGROUP=ktcluster         # kubelet's cgroup root, under every cgroup v1 hierarchy

KT_NODE=ktnode
KT_NODE_IP=10.201.0.1     # on dummy ktnode0: API server, kubelet, node IP (host-only)
KT_POD_CIDR=10.244.0.0/16 # the node gets 10.244.0.0/24 on bridge ktbr0
KT_NODE_POD_CIDR=10.244.0.0/24
KT_POD_GW=10.244.0.1
KT_SVC_CIDR=10.96.0.0/16 # routed to dummy ktsvc0 so an unassigned ClusterIP is dropped here
KT_API_SVC_IP=10.96.0.1
KT_DNS_IP=10.96.0.10
KT_LAPTOP_NS=ktlaptop
KT_LAPTOP_HOST_IF=ktlap-host
KT_LAPTOP_HOST_IP=10.200.0.1 # host end of the laptop's veth (/30)
KT_LAPTOP_IP=10.200.0.2
KT_API_PORT=6443
KT_API_URL="https://$KT_NODE_IP:$KT_API_PORT"
KT_CONTAINERD_SOCK="$KT_RUN/containerd.sock"
KT_DEAD_PROXY=http://127.0.0.1:9 # containerd's registry "proxy": discard port, nothing listens
KT_K8S_VERSION=v1.32.13
KT_COREDNS_VERSION=1.12.1
KT_ARCH="$(go env GOARCH 2>/dev/null || dpkg --print-architecture)"

KT_IMG_PAUSE=ktctl.local/pause:3.10
KT_IMG_COREDNS="ktctl.local/coredns:$KT_COREDNS_VERSION"
KT_IMG_TESTAPP=ktctl.local/testapp:1

# Host paths that the kubelet, containerd, CNI and `ip netns` create whatever their configuration says;
# up.sh records which of them did not exist before it, and down.sh removes exactly those.
KT_FOREIGN_PATHS=(/var/lib/kubelet /var/lib/cni /usr/libexec/kubernetes /run/containerd)

export GOFLAGS="${GOFLAGS:--buildvcs=false}"

# take_lock: one up.sh or down.sh at a time on this machine (waits up to 15 min for the other one).
# The lock file lives outside $KT_RUN, which down.sh removes.
take_lock() {
  exec 9>/run/lock/ktcluster.lock
  if ! flock -n 9; then
    log "waiting for another up.sh/down.sh to finish"
    flock -w 900 9 || die "another up.sh/down.sh has held /run/lock/ktcluster.lock for 15 minutes"
  fi
}

log() { printf '%s cluster: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

kubectl_admin() { "$KT_BIN/kubectl" --kubeconfig "$KT_CACHE/admin.kubeconfig" "$@"; }
ctr_k8s() { ctr --address "$KT_CONTAINERD_SOCK" -n k8s.io "$@"; }

# wait_for DESCRIPTION SECONDS COMMAND...: retries COMMAND every second until it succeeds or time runs out.
wait_for() {
  local what="$1" secs="$2" i
  shift 2
  for ((i = 0; i < secs; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  log "timed out after ${secs}s waiting for $what"
  return 1
}

# pid_alive NAME: the process recorded in $KT_RUN/NAME.pid runs, and is still the program we started
# (a pid left over from before a reboot or a killed session may belong to someone else by now).
pid_alive() {
  local f="$KT_RUN/$1.pid" pid exe
  [ -f "$f" ] || return 1
  read -r pid exe <"$f"
  # " (deleted)": build.sh replaced the binary under a running daemon; it is still ours.
  kill -0 "$pid" 2>/dev/null && [ "$(readlink "/proc/$pid/exe" | sed 's/ (deleted)$//')" = "$exe" ]
}

# pid_of NAME: the recorded pid.
pid_of() { cut -d' ' -f1 "$KT_RUN/$1.pid"; }

# start_daemon NAME COMMAND...: runs COMMAND detached (own session, output to $KT_LOGS/NAME.log).
start_daemon() {
  local name="$1"
  shift
  mkdir -p "$KT_LOGS" "$KT_RUN"
  setsid "$@" >>"$KT_LOGS/$name.log" 2>&1 </dev/null 9>&- &
  echo "$! $(readlink -f "$(command -v "$1")")" >"$KT_RUN/$name.pid"
  log "started $name (pid $!)"
}

# stop_pid PID [SECONDS]: SIGTERM, then SIGKILL if it is still there after SECONDS.
stop_pid() {
  local pid="$1" secs="${2:-10}" i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < secs * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}
