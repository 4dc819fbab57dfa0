#!/usr/bin/env bash
# Writes the cluster's CA, certificates and kubeconfigs into .cache/cluster (once; kept across restarts).
#   admin.kubeconfig       cluster-admin (system:masters), server https://10.201.0.1:6443
#   restricted.kubeconfig  user kt-restricted: the kt-restricted ClusterRole in namespace kt-e2e only
# Both work from the host and from the ktlaptop namespace (same address).
source "$(dirname "$0")/lib.sh"

# cert NAME CN [O] [SAN]: key and certificate signed by the cluster CA (EC P-256, 10 years).
cert() {
  local name="$1" cn="$2" o="${3:-}" san="${4:-}"
  [ -s "$KT_PKI/$name.crt" ] && return 0
  local subj="/CN=$cn"
  [ -n "$o" ] && subj="/O=$o$subj"
  openssl ecparam -name prime256v1 -genkey -noout -out "$KT_PKI/$name.key" 2>/dev/null
  openssl req -new -key "$KT_PKI/$name.key" -subj "$subj" -out "$KT_PKI/$name.csr"
  local ext="$KT_PKI/$name.ext"
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=clientAuth,serverAuth"
    [ -n "$san" ] && echo "subjectAltName=$san"
  } >"$ext"
  openssl x509 -req -in "$KT_PKI/$name.csr" -CA "$KT_PKI/ca.crt" -CAkey "$KT_PKI/ca.key" -CAcreateserial \
    -days 3650 -sha256 -extfile "$ext" -out "$KT_PKI/$name.crt" 2>/dev/null
  rm -f "$KT_PKI/$name.csr" "$ext"
}

# kubeconfig FILE USER CERT: a kubeconfig for the cluster with an embedded client certificate.
kubeconfig() {
  local file="$1" user="$2" crt="$3" ns="${4:-default}"
  [ -s "$file" ] && return 0
  cat >"$file" <<YAML
apiVersion: v1
kind: Config
clusters:
- name: ktcluster
  cluster:
    server: $KT_API_URL
    certificate-authority-data: $(base64 -w0 "$KT_PKI/ca.crt")
users:
- name: $user
  user:
    client-certificate-data: $(base64 -w0 "$KT_PKI/$crt.crt")
    client-key-data: $(base64 -w0 "$KT_PKI/$crt.key")
contexts:
- name: $user@ktcluster
  context: {cluster: ktcluster, user: $user, namespace: $ns}
current-context: $user@ktcluster
YAML
  chmod 600 "$file"
}

main() {
  mkdir -p "$KT_PKI"
  chmod 700 "$KT_PKI"
  if [ ! -s "$KT_PKI/ca.crt" ]; then
    openssl ecparam -name prime256v1 -genkey -noout -out "$KT_PKI/ca.key" 2>/dev/null
    openssl req -x509 -new -key "$KT_PKI/ca.key" -subj "/CN=ktcluster-ca" -days 3650 -sha256 \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
      -out "$KT_PKI/ca.crt"
  fi
  if [ ! -s "$KT_PKI/sa.key" ]; then
    openssl ecparam -name prime256v1 -genkey -noout -out "$KT_PKI/sa.key" 2>/dev/null
    openssl ec -in "$KT_PKI/sa.key" -pubout -out "$KT_PKI/sa.pub" 2>/dev/null
  fi
  cert apiserver kube-apiserver "" "IP:$KT_NODE_IP,IP:$KT_API_SVC_IP,IP:127.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,DNS:localhost"
  cert apiserver-kubelet-client kube-apiserver-kubelet-client system:masters
  cert kubelet "system:node:$KT_NODE" system:nodes "IP:$KT_NODE_IP,DNS:$KT_NODE"
  cert controller-manager system:kube-controller-manager
  cert scheduler system:kube-scheduler
  cert proxy system:kube-proxy
  cert admin kubernetes-admin system:masters
  cert restricted kt-restricted kt-developers
  kubeconfig "$KT_CACHE/admin.kubeconfig" kubernetes-admin admin
  kubeconfig "$KT_CACHE/restricted.kubeconfig" kt-restricted restricted kt-e2e
  kubeconfig "$KT_PKI/kubelet.kubeconfig" "system:node:$KT_NODE" kubelet
  kubeconfig "$KT_PKI/controller-manager.kubeconfig" system:kube-controller-manager controller-manager
  kubeconfig "$KT_PKI/scheduler.kubeconfig" system:kube-scheduler scheduler
  kubeconfig "$KT_PKI/proxy.kubeconfig" system:kube-proxy proxy
}

main "$@"
