#!/usr/bin/env bash
# ktctl's main job, from a fresh clone on one of our machines (as root): installs what is needed, brings
# the local test cluster up, builds ktctl, then runs `ktctl connect` inside the "laptop" network
# namespace (which cannot reach the cluster by itself) and reaches a cluster Service by name through it.
#   npm start                      a scripted look, then disconnect
#   KT_DEMO_SHELL=1 npm start      the same, then a shell in the connected laptop (exit it to disconnect)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "installing what ktctl needs (apt, npm)"
bash tools/install-deps.sh
[ -d node_modules ] || npm ci --no-audit --no-fund
say "bringing up the local Kubernetes cluster (cached after the first time)"
bash tools/cluster/up.sh
say "building the ktctl binary and the shadow image"
bash e2e/prepare-ktctl.sh

netns="$(node -p "require('./.cache/cluster/cluster.json').laptopNetns")"
ns="$(node -p "require('./.cache/cluster/cluster.json').testNamespace")"
kubeconfig="$(node -p "require('./.cache/cluster/cluster.json').adminKubeconfig")"
ktctl="$repo/apps/ktctl/dist/bin/ktctl-linux-x64"
in_laptop() { ip netns exec "$netns" "$@"; }

say "before: the laptop cannot resolve or reach http://web.$ns"
in_laptop curl -sS --max-time 3 "http://web.$ns/" || true

say "ktctl connect (sudo ktctl connect -n $ns, on a real laptop)"
log="$(mktemp)"
# Started directly (not through the function) so that $! is ktctl itself: ip netns exec and env exec it.
ip netns exec "$netns" env KT_HOME="$repo/.cache/demo-kt" "$ktctl" connect -c "$kubeconfig" -n "$ns" >"$log" 2>&1 &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 120); do grep -q 'Press Ctrl-C' "$log" && break; kill -0 $pid 2>/dev/null || break; sleep 0.5; done
cat "$log"
grep -q 'Press Ctrl-C' "$log" || { echo "ktctl connect did not come up" >&2; exit 1; }

say "connected: a Service by name, a short name, a pod by IP, the cluster DNS"
pod_ip="$(.cache/cluster/bin/kubectl --kubeconfig "$kubeconfig" -n "$ns" get pod -l app=web -o jsonpath='{.items[0].status.podIP}')"
in_laptop curl -sS --max-time 5 "http://web.$ns/" && echo
in_laptop curl -sS --max-time 5 "http://echo/" && echo
in_laptop curl -sS --max-time 5 "http://$pod_ip:8080/" && echo
in_laptop dig +short "web.$ns.svc.cluster.local"
echo "the cluster ranges are routed into the TUN device kt0 (tun2socks mode, the default):"
in_laptop ip route show dev kt0
if [ "${KT_DEMO_SHELL:-}" = 1 ]; then
  say "a shell in the connected laptop namespace; exit to disconnect"
  in_laptop bash -i || true
fi

say "disconnecting: the laptop's DNS, routes and firewall go back as they were"
kill -TERM $pid
wait $pid || true
trap - EXIT
tail -n 1 "$log"
rm -f "$log"
in_laptop curl -sS --max-time 3 "http://web.$ns/" || echo "(unreachable again, as before)"
