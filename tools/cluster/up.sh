#!/usr/bin/env bash
# Brings the single-node test cluster up (idempotent): builds what is missing, starts etcd, containerd,
# the control plane, kubelet and kube-proxy, then deploys CoreDNS, RBAC and the test workloads.
# See README.md for addresses and kubeconfig paths. Needs root.
source "$(dirname "$0")/lib.sh"
source "$KT_TOOLS/net.sh"
source "$KT_TOOLS/config.sh"

running() {
  local p
  for p in etcd containerd apiserver controller-manager scheduler kubelet proxy; do pid_alive "$p" || return 1; done
  [ "$(cat "$KT_RUN/owner" 2>/dev/null)" = "$KT_CACHE" ] || return 1
  kubectl_admin get --raw /readyz >/dev/null 2>&1
}

# cgroup_roots: the kubelet's cgroup root must exist in every v1 hierarchy before it starts.
cgroup_roots() {
  local h
  for h in /sys/fs/cgroup/*/; do
    mountpoint -q "$h" || continue
    mkdir -p "$h$KT_CGROUP"
    if [ -f "$h/cpuset.cpus" ]; then
      [ -s "$h$KT_CGROUP/cpuset.cpus" ] && [ -n "$(cat "$h$KT_CGROUP/cpuset.cpus")" ] || cat "$h/cpuset.cpus" >"$h$KT_CGROUP/cpuset.cpus"
      [ -n "$(cat "$h$KT_CGROUP/cpuset.mems")" ] || cat "$h/cpuset.mems" >"$h$KT_CGROUP/cpuset.mems"
    fi
  done
}

start_control_plane() {
  local k="$KT_BIN/kube"
  start_daemon etcd "$k" etcd --data-dir "$KT_STATE/etcd"
  wait_for etcd 60 curl -fsS http://127.0.0.1:2379/health
  start_daemon apiserver "$k" apiserver \
    --etcd-servers=http://127.0.0.1:2379 \
    --bind-address="$KT_NODE_IP" --advertise-address="$KT_NODE_IP" --secure-port="$KT_API_PORT" \
    --service-cluster-ip-range="$KT_SVC_CIDR" \
    --client-ca-file="$KT_PKI/ca.crt" \
    --tls-cert-file="$KT_PKI/apiserver.crt" --tls-private-key-file="$KT_PKI/apiserver.key" \
    --kubelet-client-certificate="$KT_PKI/apiserver-kubelet-client.crt" \
    --kubelet-client-key="$KT_PKI/apiserver-kubelet-client.key" \
    --kubelet-preferred-address-types=InternalIP \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$KT_PKI/sa.pub" --service-account-signing-key-file="$KT_PKI/sa.key" \
    --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction \
    --allow-privileged=true --profiling=false --event-ttl=30m
  wait_for "API server" 120 kubectl_admin get --raw /readyz
  start_daemon controller-manager "$k" controller-manager \
    --kubeconfig="$KT_PKI/controller-manager.kubeconfig" \
    --authentication-kubeconfig="$KT_PKI/controller-manager.kubeconfig" \
    --authorization-kubeconfig="$KT_PKI/controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 --leader-elect=false --use-service-account-credentials=true \
    --service-account-private-key-file="$KT_PKI/sa.key" --root-ca-file="$KT_PKI/ca.crt" \
    --cluster-signing-cert-file="$KT_PKI/ca.crt" --cluster-signing-key-file="$KT_PKI/ca.key" \
    --allocate-node-cidrs=true --cluster-cidr="$KT_POD_CIDR" --node-cidr-mask-size=24 \
    --service-cluster-ip-range="$KT_SVC_CIDR" --profiling=false \
    --flex-volume-plugin-dir="$KT_STATE/kubelet-plugins"
  start_daemon scheduler "$k" scheduler \
    --kubeconfig="$KT_PKI/scheduler.kubeconfig" \
    --authentication-kubeconfig="$KT_PKI/scheduler.kubeconfig" \
    --authorization-kubeconfig="$KT_PKI/scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --leader-elect=false --profiling=false
}

start_node() {
  # No registry exists for this cluster: every pull goes to a proxy address where nothing listens, so a
  # pod naming an image that was not imported fails at once, without even a DNS lookup leaving the machine.
  HTTP_PROXY=$KT_DEAD_PROXY HTTPS_PROXY=$KT_DEAD_PROXY NO_PROXY= http_proxy=$KT_DEAD_PROXY https_proxy=$KT_DEAD_PROXY no_proxy= \
    start_daemon containerd containerd --config "$KT_STATE/etc/containerd.toml"
  wait_for containerd 30 ctr --address "$KT_CONTAINERD_SOCK" version
  import_images
  cgroup_roots
  start_daemon kubelet "$KT_BIN/kube" kubelet \
    --config="$KT_STATE/etc/kubelet.yaml" --kubeconfig="$KT_PKI/kubelet.kubeconfig" \
    --root-dir="$KT_STATE/kubelet" --cert-dir="$KT_STATE/kubelet/pki" \
    --volume-plugin-dir="$KT_STATE/kubelet-plugins" \
    --hostname-override="$KT_NODE" --node-ip="$KT_NODE_IP"
  start_daemon proxy "$KT_BIN/kube" proxy --config="$KT_STATE/etc/proxy.yaml"
}

import_images() {
  local img
  for img in pause coredns testapp; do
    ctr_k8s images import --no-unpack=false "$KT_CACHE/images/$img.tar" >/dev/null
  done
  log "imported images: $(ctr_k8s images ls -q | grep '^ktctl.local/' | tr '\n' ' ')"
}

apply_manifests() {
  local f
  for f in testapps rbac coredns; do
    sed -e "s|@IMG_COREDNS@|$KT_IMG_COREDNS|g; s|@IMG_TESTAPP@|$KT_IMG_TESTAPP|g; s|@DNS_IP@|$KT_DNS_IP|g" \
      "$KT_TOOLS/manifests/$f.yaml" | kubectl_admin apply -f - >/dev/null
  done
}

wait_ready() {
  wait_for "node $KT_NODE to register" 120 kubectl_admin get node "$KT_NODE"
  kubectl_admin wait --for=condition=Ready "node/$KT_NODE" --timeout=120s >/dev/null
  wait_for "the default service account" 60 kubectl_admin -n default get serviceaccount default
  apply_manifests
  wait_for "kt-e2e's default service account" 60 kubectl_admin -n kt-e2e get serviceaccount default
  kubectl_admin -n kube-system rollout status deploy/coredns --timeout=180s >/dev/null
  kubectl_admin -n kt-e2e rollout status deploy/echo --timeout=180s >/dev/null
  kubectl_admin -n kt-e2e rollout status deploy/web --timeout=180s >/dev/null
  wait_for "CoreDNS to answer kubernetes.default" 60 \
    sh -c "dig +short +time=1 +tries=1 @$KT_DNS_IP kubernetes.default.svc.cluster.local | grep -qx $KT_API_SVC_IP"
}

# write_facts: the addresses and paths the e2e harness reads (.cache/cluster/cluster.json).
write_facts() {
  cat >"$KT_CACHE/cluster.json.tmp" <<JSON
{
  "kubernetesVersion": "$KT_K8S_VERSION",
  "apiServer": "$KT_API_URL",
  "nodeName": "$KT_NODE",
  "nodeIP": "$KT_NODE_IP",
  "podCIDR": "$KT_POD_CIDR",
  "serviceCIDR": "$KT_SVC_CIDR",
  "dnsIP": "$KT_DNS_IP",
  "clusterDomain": "cluster.local",
  "laptopNetns": "$KT_LAPTOP_NS",
  "laptopIP": "$KT_LAPTOP_IP",
  "testNamespace": "kt-e2e",
  "restrictedClusterRole": "kt-restricted",
  "restrictedUser": "kt-restricted",
  "adminKubeconfig": "$KT_CACHE/admin.kubeconfig",
  "restrictedKubeconfig": "$KT_CACHE/restricted.kubeconfig",
  "kubectl": "$KT_BIN/kubectl",
  "images": {"pause": "$KT_IMG_PAUSE", "coredns": "$KT_IMG_COREDNS", "testapp": "$KT_IMG_TESTAPP"},
  "containerdSocket": "$KT_CONTAINERD_SOCK"
}
JSON
  mv "$KT_CACHE/cluster.json.tmp" "$KT_CACHE/cluster.json"
}

main() {
  [ "$(id -u)" = 0 ] || die "must run as root (network namespaces, iptables, containerd)"
  take_lock
  local t0=$SECONDS
  bash "$KT_TOOLS/install-deps.sh"
  bash "$KT_TOOLS/build.sh"
  bash "$KT_TOOLS/pki.sh"
  if running; then
    log "already running; making sure the workloads are deployed"
  else
    KT_LOCK_HELD=1 bash "$KT_TOOLS/down.sh" --quiet
    mkdir -p "$KT_STATE" "$KT_RUN" "$KT_LOGS"
    rm -f "$KT_LOGS"/*.log
    echo "$KT_CACHE" >"$KT_RUN/owner"
    local p
    for p in "${KT_FOREIGN_PATHS[@]}"; do [ -e "$p" ] || echo "$p" >>"$KT_RUN/made-paths"; done
    write_configs
    net_up
    start_control_plane
    start_node
  fi
  net_up # re-asserts the guard chains, whatever restarted meanwhile
  wait_ready
  write_facts
  log "up in $((SECONDS - t0))s: kubeconfigs $KT_CACHE/admin.kubeconfig, $KT_CACHE/restricted.kubeconfig; laptop: ip netns exec $KT_LAPTOP_NS ..."
}

main "$@"
