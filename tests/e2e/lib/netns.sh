# SPDX-License-Identifier: Apache-2.0
# The end-to-end test network, sourced by tests/e2e/*.sh and scripts/demo.sh.
#
#   client (cl) ──┐
#   balancer (lb) ─┤ bridge in namespace "sw"
#   backends b1..bN┘
#
# Every namespace is named "xvs<pid>-<role>", so parallel runs cannot collide; inside each,
# the single interface is "eth0". Addresses exist only inside these namespaces:
#   10.0.0.0/24, fd00::/64      client .1/::1, balancer .2/::2, backend i .1i/::1i
#   VIP 192.0.2.1, 2001:db8::1  on every backend's lo (ARP/ND for it suppressed there);
#                               the client routes it via the balancer.
# The balancer does not forward (ip_forward=0): only its XDP program can pass a packet on.
#
#   net_up N        build the network with N backends (0..9), each running backend.py
#   net_ns ROLE     a new namespace for ROLE, lo up, no other interface (net_host: on the bridge)
#   net_serve ROLE  make ROLE a backend: VIPs on lo, backend.py running (net_up does it for b1..bN)
#   net_down        stop every process started with net_spawn, delete every namespace
#   net_trap        install net_down on EXIT and turn INT/TERM into an exit
#   nsx ROLE CMD..  run CMD in the namespace of ROLE (cl, lb, b1, ...)
#   net_spawn ROLE LOG CMD..   start CMD in the background in ROLE's namespace; sets NET_PID
#   net_stop PID    SIGTERM, then SIGKILL after 5 s; returns the process's exit status
#   wait_for SECS CMD..        poll CMD every 0.1 s until it succeeds; 1 on timeout
#   wait_line SECS PID LOG RE  wait until LOG has a line matching RE; 1 on timeout or as soon
#                              as process PID has exited without printing it

# A test that cannot build its network is skipped (exit 77, ctest's SKIP_RETURN_CODE), not
# failed and never passed: without root, or without a tool every network here uses.
net_skip() {
  echo "SKIPPED: $*" >&2
  exit 77
}
[[ $(id -u) -eq 0 ]] || net_skip "end-to-end tests need root (network namespaces, XDP)"
for _tool in ip /usr/bin/python3 curl; do
  command -v "$_tool" >/dev/null || net_skip "$_tool is not installed (scripts/install-deps.sh)"
done
unset _tool

NET_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NET_PY=/usr/bin/python3
NET_PREFIX="xvs$$-"
NET_VIP4=192.0.2.1
NET_VIP6=2001:db8::1
NET_CLIENT4=10.0.0.1
NET_CLIENT6=fd00::1
NET_LB4=10.0.0.2
NET_LB6=fd00::2
NET_HTTP_PORT=80
NET_LINE_PORT=7000
NET_TMP=""
NET_PIDS=()

net_b4() { echo "10.0.0.1$1"; }   # backend i's addresses
net_b6() { echo "fd00::1$1"; }
net_mac() { printf '02:00:00:00:00:%02x' "$1"; }  # 1 client, 2 balancer, 0x1i backend i

nsx() {
  local role=$1
  shift
  ip netns exec "$NET_PREFIX$role" "$@"
}

wait_for() {
  local secs=$1 deadline
  shift
  deadline=$(($(date +%s%N) + secs * 1000000000))
  until "$@" >/dev/null 2>&1; do
    (($(date +%s%N) < deadline)) || return 1
    sleep 0.1
  done
}

wait_line() {
  wait_for "$1" line_or_exit "$2" "$3" "$4" && grep -q -- "$4" "$3"
}

line_or_exit() { grep -q -- "$3" "$2" || net_gone "$1"; }

net_spawn() {
  local role=$1 log=$2
  shift 2
  ip netns exec "$NET_PREFIX$role" "$@" >"$log" 2>&1 &
  NET_PID=$!
  NET_PIDS+=("$NET_PID")
}

net_stop() {
  local pid=$1 status=0
  kill -TERM "$pid" 2>/dev/null || true
  if ! wait_for 5 net_gone "$pid"; then
    echo "process $pid ignored SIGTERM for 5 s; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || status=$?
  return "$status"
}

net_gone() { ! kill -0 "$1" 2>/dev/null; }

# A new namespace for ROLE, with lo up and no interface yet.
net_ns() {
  ip netns add "$NET_PREFIX$1"
  ip -n "$NET_PREFIX$1" link set lo up
  # Before any interface exists, so that its addresses (link-local too) skip DAD.
  nsx "$1" sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0 \
    net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
}

# A new namespace for ROLE with its end of a veth to the bridge, addresses and MAC.
net_host() {
  local role=$1 mac=$2 addr4=$3 addr6=$4 ns="$NET_PREFIX$1"
  net_ns "$role"
  ip -n "${NET_PREFIX}sw" link add "$role" type veth peer name eth0 netns "$ns"
  ip -n "${NET_PREFIX}sw" link set "$role" master br0 up
  ip -n "$ns" link set eth0 address "$mac" up
  ip -n "$ns" addr add "$addr4/24" dev eth0
  ip -n "$ns" addr add "$addr6/64" dev eth0 nodad
}

net_up() {
  local n=$1 i peer
  NET_TMP=$(mktemp -d /tmp/xvs-e2e.XXXXXX)
  ip netns add "${NET_PREFIX}sw"
  nsx sw sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  ip -n "${NET_PREFIX}sw" link add br0 type bridge stp_state 0 mcast_snooping 0
  ip -n "${NET_PREFIX}sw" link set br0 up

  net_host cl "$(net_mac 1)" "$NET_CLIENT4" "$NET_CLIENT6"
  ip -n "${NET_PREFIX}cl" route add "$NET_VIP4/32" via "$NET_LB4"
  ip -n "${NET_PREFIX}cl" -6 route add "$NET_VIP6/128" via "$NET_LB6"

  net_host lb "$(net_mac 2)" "$NET_LB4" "$NET_LB6"
  nsx lb sysctl -qw net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0

  for ((i = 1; i <= n; i++)); do
    net_host "b$i" "$(net_mac $((0x10 + i)))" "$(net_b4 "$i")" "$(net_b6 "$i")"
    net_serve "b$i"
  done

  for ((i = 1; i <= n; i++)); do
    wait_for 10 net_listening "b$i" ||
      { echo "backend b$i did not start:" >&2; cat "$NET_TMP/b$i.log" >&2; return 1; }
  done
  local peers=("$NET_LB4" "$NET_LB6")
  ((n == 0)) || peers+=("$(net_b4 "$n")" "$(net_b6 "$n")")
  for peer in "${peers[@]}"; do
    wait_for 10 nsx cl ping -c1 -W1 "$peer" ||
      { echo "network: the client cannot reach $peer" >&2; return 1; }
  done
}

# ROLE (its eth0 up) becomes a backend: the VIPs on its lo, backend.py serving as ROLE.
net_serve() {
  local role=$1
  # The VIP is local on lo, but never announced: ARP only for addresses of the asking
  # interface (arp_ignore=1), ARP from the interface's own address (arp_announce=2); ND
  # answers only for addresses of the receiving interface anyway.
  nsx "$role" sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 \
    net.ipv4.conf.eth0.rp_filter=0
  ip -n "$NET_PREFIX$role" addr add "$NET_VIP4/32" dev lo
  ip -n "$NET_PREFIX$role" addr add "$NET_VIP6/128" dev lo nodad
  net_spawn "$role" "$NET_TMP/$role.log" "$NET_PY" "$NET_LIB_DIR/backend.py" "$role" \
    "$NET_HTTP_PORT" "$NET_LINE_PORT"
}

# Both backend ports are listening in ROLE's namespace.
net_listening() {
  local ports
  ports=$(nsx "$1" ss -Hltn) || return 1
  grep -q ":$NET_HTTP_PORT " <<<"$ports" && grep -q ":$NET_LINE_PORT " <<<"$ports"
}

net_down() {
  local i ns
  # Newest first: controllers (and their XDP programs) go before the backends.
  for ((i = ${#NET_PIDS[@]} - 1; i >= 0; i--)); do
    net_gone "${NET_PIDS[i]}" || net_stop "${NET_PIDS[i]}" || true
  done
  NET_PIDS=()
  for ns in $(ip netns list | awk -v p="$NET_PREFIX" 'index($1, p) == 1 { print $1 }'); do
    ip netns del "$ns" || echo "could not delete namespace $ns" >&2
  done
  [[ -z $NET_TMP ]] || rm -rf "$NET_TMP"
  NET_TMP=""
}

net_trap() {
  trap net_down EXIT
  trap 'exit 130' INT TERM
}
