#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The demo of README.md: installs the dependencies, builds examples/balancer, builds a network
# of namespaces (a client, the balancer, three backends), balances real HTTP requests with
# layer-2 Direct Server Return, prints who answered and the balancer's statistics, and
# removes everything. Exit status: 0 when every request was answered.
#
#   ./scripts/demo.sh [REQUESTS]      (default 60; as root, or via sudo)
#   ./scripts/demo.sh --xvsd          the same network run by the daemon xvsd instead, from a
#                                     vc5-style config, with a backend failing and recovering
#                                     (scripts/demo-xvsd.sh)
#
# It builds in build/ (CMake preset `default`), or in $XVS_BUILD_DIR when that is set.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
target=balancer
if [[ ${1:-} == --xvsd ]]; then
  target=xvsd
  shift
fi
requests=${1:-60}
backends=3
[[ $requests =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [--xvsd] [REQUESTS]" >&2; exit 2; }

if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null && exec sudo "$0" "$@"
  echo "demo: XDP and network namespaces need root; run it as root." >&2
  exit 1
fi

step() { printf '  %-28s' "$1"; }

echo "libxvs demo: layer-2 Direct Server Return in network namespaces"
step "dependencies"
build_log=$(mktemp /tmp/xvs-demo.XXXXXX)
"$root/scripts/install-deps.sh" >"$build_log" 2>&1 ||
  { echo "failed:"; cat "$build_log"; rm -f "$build_log"; exit 1; }
echo "ok"

step "build $target"
if [[ -z ${XVS_BUILD_DIR:-} && -f $root/CMakePresets.json ]]; then
  build=$root/build
  configure=(cmake --preset default)
  compile=(cmake --build --preset default --target "$target" -j"$(nproc)")
else
  build=${XVS_BUILD_DIR:-$root/build}
  configure=(cmake -S "$root" -B "$build")
  compile=(cmake --build "$build" --target "$target" -j"$(nproc)")
fi
(cd "$root" && "${configure[@]}" && "${compile[@]}") >"$build_log" 2>&1 ||
  { echo "failed:"; tail -n 30 "$build_log"; rm -f "$build_log"; exit 1; }
rm -f "$build_log"
balancer=$build/examples/balancer/balancer
[[ $target == balancer ]] || balancer=$build/cmd/xvsd/xvsd
echo "ok (${balancer#"$root"/})"

# shellcheck source=../tests/e2e/lib/netns.sh
source "$root/tests/e2e/lib/netns.sh"
# shellcheck source=../tests/e2e/lib/check.sh
source "$root/tests/e2e/lib/check.sh"
net_trap
if [[ $target == xvsd ]]; then
  # shellcheck source=demo-xvsd.sh
  source "$root/scripts/demo-xvsd.sh"
  exit
fi

step "network"
net_up "$backends"
rips=()
for ((i = 1; i <= backends; i++)); do rips+=("$(net_b4 "$i")"); done
echo "client $NET_CLIENT4 -> VIP $NET_VIP4 (routed via balancer $NET_LB4)"
printf '  %-28s%s\n' "" "backends ${rips[*]}, VIP on lo, ARP for it off"

step "balancer"
log=$NET_TMP/balancer.log
net_spawn lb "$log" "$balancer" -i 5 eth0 "$NET_LB4/24" "$NET_VIP4" "${rips[@]}"
balancer_pid=$NET_PID
if ! wait_line 30 "$balancer_pid" "$log" '^ready after'; then
  echo "not ready within 30 s:"
  cat "$log"
  exit 1
fi
grep -m1 '^ready after' "$log"

step "$requests HTTP requests"
answers=$NET_TMP/answers
http_names cl "http://$NET_VIP4/" "$requests" >"$answers" 2>/dev/null
failed=$(grep -cx FAIL "$answers" || true)
echo "$((requests - failed)) answered, $failed failed (each a new TCP connection)"
for ((i = 1; i <= backends; i++)); do
  n=$(grep -cx "b$i" "$answers" || true)
  bar=$(printf '%*s' $((n * 40 / requests)) '' | tr ' ' '#')
  printf '  %-28s%-3s %-10s %4d  %s\n' "" "b$i" "$(net_b4 "$i")" "$n" "$bar"
done
echo "  Direct Server Return: each backend answered the client itself, from the VIP on its lo;"
echo "  the balancer only forwarded requests (its kernel does not even route: ip_forward=0)."

step "health checks"
checks=()
for ((i = 1; i <= backends; i++)); do
  nat=$(nat_address "$log" "$NET_VIP4" "$(net_b4 "$i")")
  checks+=("$nat->$(nat_check lb "$nat" 2>/dev/null || echo FAIL)")
done
echo "${checks[*]}"
echo "  from the balancer host, HTTP to each backend's NAT address reached the VIP on that"
echo "  backend through the data plane (client.nat(vip, backend), docs/healthchecks.md)."

kill -INT "$balancer_pid"
wait_for 10 net_gone "$balancer_pid" || echo "  the balancer did not exit within 10 s of SIGINT"
echo
echo "balancer statistics (its last table, printed as SIGINT stopped it):"
awk '/^──/ { table = "" } { table = table "  " $0 "\n" } END { printf "%s", table }' "$log"
echo
net_down
echo "cleaned up: namespaces removed, XDP detached"
((failed == 0))
