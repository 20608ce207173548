#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# examples/balancer's command line and lifecycle:
#  - bad arguments: a message naming the problem, exit 2; --help: exit 0;
#  - a library error (unknown interface): a message naming it, exit 1;
#  - -r: runs that long, prints statistics, removes its service, exits 0 and detaches XDP;
#  - SIGINT: the same, promptly.
#
#   cli.sh <balancer-binary>
set -euo pipefail
balancer=$1
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/netns.sh
source "$here/lib/netns.sh"
# shellcheck source=lib/check.sh
source "$here/lib/check.sh"
net_trap

# expect CODE PATTERN ARGS...: balancer ARGS exits with CODE and prints PATTERN.
expect() {
  local code=$1 pattern=$2 out status=0
  shift 2
  out=$(timeout 20 "$balancer" "$@" 2>&1) || status=$?
  ((status == code)) || fail "balancer $*: exit $status, expected $code: $out"
  grep -qi -- "$pattern" <<<"$out" || fail "balancer $*: no '$pattern' in: $out"
}

expect 0 "usage" --help
expect 2 "required" eth0 10.0.0.2/24
expect 2 "not-an-ip" eth0 10.0.0.2/24 not-an-ip 10.0.0.11
expect 2 "10.0.0.300" eth0 10.0.0.2/24 192.0.2.1 10.0.0.300
expect 2 "not an address/prefix" eth0 10.0.0.2 192.0.2.1 10.0.0.11
expect 2 "tunnel" -t vxlan eth0 10.0.0.2/24 192.0.2.1 10.0.0.11
expect 2 "port" -p 0 eth0 10.0.0.2/24 192.0.2.1 10.0.0.11
expect 2 "other" -P 10.0.0.3/24 eth0 10.0.0.2/24 192.0.2.1 10.0.0.11
expect 2 "interval" -i 0 eth0 10.0.0.2/24 192.0.2.1 10.0.0.11
expect 2 "needs -4 PORT" -t fou eth0 10.0.0.2/24 192.0.2.1 10.0.0.11
expect 2 "not the unicast address of a peer" --flow-port 7000 --flow-key /dev/null --peer 0.0.0.0 eth0 10.0.0.2/24 192.0.2.1 10.0.0.11
expect 2 "not the unicast address of a peer" --flow-port 7000 --flow-key /dev/null --peer ff02::1 eth0 10.0.0.2/24 192.0.2.1 10.0.0.11
expect 2 "not the unicast address of a peer" --flow-port 7000 --flow-key /dev/null --peer 255.255.255.255 eth0 10.0.0.2/24 192.0.2.1 \
  10.0.0.11
# 10.0.0.2 is not an address of this host: 10.0.0.2/24 names VLAN 1's router (docs/api.md).
expect 2 "VLAN 1's router" --flow-port 7000 --flow-key /dev/null --peer 10.0.0.2 eth0 10.0.0.2/24 192.0.2.1 10.0.0.11
expect 2 "a VIP of this balancer" --flow-port 7000 --flow-key /dev/null --peer 192.0.2.1 eth0 10.0.0.2/24 192.0.2.1 10.0.0.11
expect 2 "no IPv6 address" --flow-port 7000 --flow-key /dev/null --peer 2001:db8::3 eth0 10.0.0.2/24 192.0.2.1 10.0.0.11
# Flows from the network are only taken when sealed with the shared key (docs/scale-out.md).
expect 2 "requires --flow-key" --flow-port 7000 --peer 10.0.0.3 eth0 10.0.0.2/24 192.0.2.1 10.0.0.11
pass "bad arguments: exit 2 with a message naming them"

net_up 1
# In the balancer's namespace $NET_LB4 is its own address, with or without the prefix naming
# the router.
for prefix in "$NET_LB4/24" "${NET_LB4%.*}.254/24"; do
  status=0
  out=$(nsx lb timeout 20 "$balancer" --flow-port 7000 --flow-key /dev/null --peer "$NET_LB4" \
    eth0 "$prefix" "$NET_VIP4" "$(net_b4 1)" 2>&1) || status=$?
  ((status == 2)) && grep -q "own address" <<<"$out" ||
    fail "--peer $NET_LB4 (own address) with prefix $prefix: exit $status: $out"
done
pass "--peer: this host's own address is refused, whichever VLAN form the prefix takes"
missing="nosuch$$"
status=0
out=$(nsx lb timeout 20 "$balancer" "$missing" "$NET_LB4/24" "$NET_VIP4" "$(net_b4 1)" 2>&1) ||
  status=$?
if ((status != 1)) || ! grep -q "$missing" <<<"$out"; then
  fail "unknown interface: exit $status, expected 1 and a message naming $missing: $out"
fi
pass "unknown interface: exit 1, '$out'"

log=$NET_TMP/run.log
status=0
SECONDS=0
nsx lb timeout 30 "$balancer" -r 3 eth0 "$NET_LB4/24" "$NET_VIP4" "$(net_b4 1)" >"$log" 2>&1 ||
  status=$?
CHECK_LOGS+=("$log")
((status == 0)) || fail "-r 3: exit $status"
((SECONDS >= 3 && SECONDS <= 15)) || fail "-r 3: ran $SECONDS s"
grep -q "run time over" "$log" || fail "-r 3: no 'run time over'"
grep -q -- "-> $(net_b4 1)" "$log" || fail "-r 3: no destination statistics"
if nsx lb ip link show eth0 | grep -q xdp; then fail "-r 3: XDP still attached"; fi
pass "-r 3: ran ${SECONDS} s, printed statistics, removed the service, detached XDP"

log=$NET_TMP/sigint.log
net_spawn lb "$log" "$balancer" eth0 "$NET_LB4/24" "$NET_VIP4" "$(net_b4 1)"
pid=$NET_PID
CHECK_LOGS+=("$log")
wait_line 20 "$pid" "$log" "packets" || fail "SIGINT: no statistics within 20 s"
kill -INT "$pid"
wait_for 5 net_gone "$pid" || fail "SIGINT: still running after 5 s"
status=0
wait "$pid" || status=$?
((status == 0)) || fail "SIGINT: exit $status"
grep -q "got SIGINT" "$log" || fail "SIGINT: not reported"
if nsx lb ip link show eth0 | grep -q xdp; then fail "SIGINT: XDP still attached"; fi
pass "SIGINT: clean exit within 5 s, XDP detached"
