# Writes the runtime configuration files of containerd, CNI, kubelet and kube-proxy (sourced by up.sh).

write_configs() {
  local etc="$KT_STATE/etc"
  mkdir -p "$etc" "$KT_STATE/cni/net.d" "$KT_STATE/cni/ipam"
  cat >"$etc/containerd.toml" <<TOML
version = 2
root = "$KT_STATE/containerd"
state = "$KT_RUN/containerd"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.tracing.processor.v1.otlp"]
[grpc]
  address = "$KT_CONTAINERD_SOCK"
[plugins."io.containerd.internal.v1.opt"]
  path = "$KT_STATE/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$KT_IMG_PAUSE"
  # This VM gives root no CAP_SYS_RESOURCE, so runc cannot lower oom_score_adj (the pause container's
  # -998 fails with "failed to update /proc/self/oom_score_adj: Permission denied"): clamp to containerd's own.
  restrict_oom_score_adj = true
  enable_cdi = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "/usr/sbin/runc"
        Root = "$KT_RUN/runc"
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$KT_STATE/cni/net.d"
TOML
  # No ipMasq: pods never need to leave the machine, and the KTCLUSTER-FORWARD chain drops any try.
  cat >"$KT_STATE/cni/net.d/10-ktnet.conflist" <<JSON
{
  "cniVersion": "0.4.0",
  "name": "ktnet",
  "plugins": [
    {
      "type": "bridge", "bridge": "ktbr0", "isGateway": true, "ipMasq": false, "hairpinMode": true,
      "ipam": {
        "type": "host-local", "dataDir": "$KT_STATE/cni/ipam",
        "ranges": [[{ "subnet": "$KT_NODE_POD_CIDR", "gateway": "$KT_POD_GW" }]],
        "routes": [{ "dst": "0.0.0.0/0" }]
      }
    }
  ]
}
JSON
  cat >"$etc/kubelet.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $KT_NODE_IP
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $KT_PKI/ca.crt}
authorization: {mode: Webhook}
tlsCertFile: $KT_PKI/kubelet.crt
tlsPrivateKeyFile: $KT_PKI/kubelet.key
containerRuntimeEndpoint: unix://$KT_CONTAINERD_SOCK
cgroupDriver: cgroupfs
cgroupsPerQOS: true
cgroupRoot: /$KT_CGROUP
failSwapOn: false
failCgroupV1: false
clusterDNS: [$KT_DNS_IP]
clusterDomain: cluster.local
resolvConf: ""
podCIDR: $KT_NODE_POD_CIDR
podLogsDir: $KT_STATE/pod-logs
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: 100Mi, nodefs.available: 1%, imagefs.available: 1%, nodefs.inodesFree: 1%}
serializeImagePulls: false
maxPods: 60
YAML
  cat >"$etc/proxy.yaml" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $KT_PKI/proxy.kubeconfig}
mode: iptables
hostnameOverride: $KT_NODE
clusterCIDR: $KT_POD_CIDR
bindAddress: $KT_NODE_IP
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
nodePortAddresses: [$KT_NODE_IP/32]
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
YAML
}
