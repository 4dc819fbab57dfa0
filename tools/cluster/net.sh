# Host networking of the test cluster (sourced by up.sh and down.sh).
#   ktnode0   portless bridge, 10.201.0.1/32: API server, kubelet and node IP; reachable from pods and laptop
#   ktsvc0    portless bridge, no address: the Service CIDR is routed here, so an unassigned ClusterIP is
#             dropped on the machine (kube-proxy DNATs assigned ones before routing matters)
# This VM's kernel has no `dummy` link type ("Unknown device type"); a bridge without ports behaves the
# same for this purpose: its addresses are local, and what is routed to it goes nowhere.
#   ktbr0     the pods' bridge, made by the CNI bridge plugin (10.244.0.1/24)
#   ktlaptop  network namespace "the developer's laptop": a veth to the host (10.200.0.2 <-> 10.200.0.1),
#             one route, to 10.201.0.1 only; no default route
# The KTCLUSTER-* iptables chains keep everything on the machine (see guard_up).


net_up() {
  save_sysctl net.ipv4.ip_forward
  save_sysctl net.bridge.bridge-nf-call-iptables
  sysctl -qw net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1

  ip link show ktnode0 >/dev/null 2>&1 || ip link add ktnode0 type bridge
  ip addr replace "$KT_NODE_IP/32" dev ktnode0
  ip link set ktnode0 up
  ip link show ktsvc0 >/dev/null 2>&1 || ip link add ktsvc0 type bridge
  ip link set ktsvc0 up
  ip route replace "$KT_SVC_CIDR" dev ktsvc0 src "$KT_NODE_IP"

  laptop_up
  guard_up
}

# save_sysctl KEY: remembers KEY's value from before the first up, for down to put back.
save_sysctl() {
  local f="$KT_RUN/sysctl.saved"
  mkdir -p "$KT_RUN"
  grep -q "^$1=" "$f" 2>/dev/null || echo "$1=$(sysctl -n "$1")" >>"$f"
}

laptop_up() {
  ip netns list | grep -qw "^$KT_LAPTOP_NS" || ip netns add "$KT_LAPTOP_NS"
  if ! ip link show "$KT_LAPTOP_HOST_IF" >/dev/null 2>&1; then
    ip link add "$KT_LAPTOP_HOST_IF" type veth peer name eth0 netns "$KT_LAPTOP_NS"
  fi
  ip addr replace "$KT_LAPTOP_HOST_IP/30" dev "$KT_LAPTOP_HOST_IF"
  ip link set "$KT_LAPTOP_HOST_IF" up
  ip -n "$KT_LAPTOP_NS" addr replace "$KT_LAPTOP_IP/30" dev eth0
  ip -n "$KT_LAPTOP_NS" link set lo up
  ip -n "$KT_LAPTOP_NS" link set eth0 up
  ip -n "$KT_LAPTOP_NS" route replace "$KT_NODE_IP/32" via "$KT_LAPTOP_HOST_IP"
  # `ip netns exec` bind-mounts these over /etc, so ktctl's DNS and hosts edits stay in the laptop.
  mkdir -p "/etc/netns/$KT_LAPTOP_NS"
  [ -f "/etc/netns/$KT_LAPTOP_NS/resolv.conf" ] || echo "nameserver 127.0.0.1" >"/etc/netns/$KT_LAPTOP_NS/resolv.conf"
  [ -f "/etc/netns/$KT_LAPTOP_NS/hosts" ] || printf '127.0.0.1\tlocalhost\n::1\tlocalhost\n' >"/etc/netns/$KT_LAPTOP_NS/hosts"
}

# guard_up: KTCLUSTER-GUARD sits in the raw table, before routing, conntrack and kube-proxy's NAT, and
# in a table neither kube-proxy nor the kubelet writes to, so its place in the chain cannot be taken.
# Pods may send to pods, ClusterIPs and this host's own addresses; the laptop only to the API server
# address; nothing from outside may reach pods, ClusterIPs or the node address.
guard_up() {
  local g=KTCLUSTER-GUARD
  iptables -t raw -N $g 2>/dev/null || iptables -t raw -F $g
  iptables -t raw -A $g -i lo -j RETURN
  iptables -t raw -A $g -i ktbr0 -d "$KT_POD_CIDR" -j RETURN
  iptables -t raw -A $g -i ktbr0 -d "$KT_SVC_CIDR" -j RETURN
  iptables -t raw -A $g -i ktbr0 -m addrtype --dst-type LOCAL -j RETURN
  iptables -t raw -A $g -i ktbr0 -j DROP
  iptables -t raw -A $g -i "$KT_LAPTOP_HOST_IF" -d "$KT_NODE_IP" -j RETURN
  iptables -t raw -A $g -i "$KT_LAPTOP_HOST_IF" -j DROP
  iptables -t raw -A $g -d "$KT_POD_CIDR" -j DROP
  iptables -t raw -A $g -d "$KT_SVC_CIDR" -j DROP
  iptables -t raw -A $g -d "$KT_NODE_IP" -j DROP
  while iptables -t raw -D PREROUTING -j $g 2>/dev/null; do :; done
  iptables -t raw -I PREROUTING 1 -j $g

  # On the node address, the laptop may only open the API server port; refused rather than dropped,
  # so a test that expects "unreachable" fails fast.
  iptables -N KTCLUSTER-LAPTOP 2>/dev/null || iptables -F KTCLUSTER-LAPTOP
  iptables -A KTCLUSTER-LAPTOP -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
  iptables -A KTCLUSTER-LAPTOP -d "$KT_NODE_IP" -p tcp --dport "$KT_API_PORT" -j ACCEPT
  iptables -A KTCLUSTER-LAPTOP -p tcp -j REJECT --reject-with tcp-reset
  iptables -A KTCLUSTER-LAPTOP -j REJECT --reject-with icmp-port-unreachable
  while iptables -D INPUT -i "$KT_LAPTOP_HOST_IF" -j KTCLUSTER-LAPTOP 2>/dev/null; do :; done
  iptables -I INPUT 1 -i "$KT_LAPTOP_HOST_IF" -j KTCLUSTER-LAPTOP
}

net_down() {
  ip netns del "$KT_LAPTOP_NS" 2>/dev/null || true
  rm -rf "/etc/netns/$KT_LAPTOP_NS"
  local l
  for l in "$KT_LAPTOP_HOST_IF" ktbr0 ktsvc0 ktnode0; do ip link del "$l" 2>/dev/null || true; done
  # Pod veths normally die with their namespaces; catch any left on the bridge's name pattern.
  for l in $(ip -o link show type veth 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | grep '^veth' || true); do
    [ -e "/sys/class/net/$l/master" ] || ip link del "$l" 2>/dev/null || true
  done
  iptables_down iptables
  iptables_down ip6tables
  if [ -f "$KT_RUN/sysctl.saved" ]; then
    while IFS== read -r k v; do sysctl -qw "$k=$v" || true; done <"$KT_RUN/sysctl.saved"
    rm -f "$KT_RUN/sysctl.saved"
  fi
}

# iptables_down CMD: removes every chain of ours, kube-proxy's, the kubelet's and CNI's (KTCLUSTER-*,
# KUBE-*, CNI-*) and every rule in a built-in chain that jumps to one, in all tables.
iptables_down() {
  local ipt="$1" t rule chain
  command -v "$ipt" >/dev/null || return 0
  for t in filter nat mangle raw; do
    "$ipt" -t "$t" -S >/dev/null 2>&1 || continue
    while read -r rule; do
      eval "$ipt -t $t ${rule/-A/-D}" 2>/dev/null || true
    done < <("$ipt" -t "$t" -S | grep -E '^-A (INPUT|OUTPUT|FORWARD|PREROUTING|POSTROUTING) .*-j (KTCLUSTER-|KUBE-|CNI-)' || true)
    for chain in $("$ipt" -t "$t" -S | awk '/^-N (KTCLUSTER-|KUBE-|CNI-)/ {print $2}'); do
      "$ipt" -t "$t" -F "$chain" 2>/dev/null || true
    done
    for chain in $("$ipt" -t "$t" -S | awk '/^-N (KTCLUSTER-|KUBE-|CNI-)/ {print $2}'); do
      "$ipt" -t "$t" -X "$chain" 2>/dev/null || true
    done
  done
}
