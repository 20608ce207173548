#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Several interfaces without bonding: the balancer (xvs-e2e-driver, no VLANs configured, so
# each interface's own network is a VLAN) is attached to eth0 on network A and eth1 on
# network B. The client and b1 are on A; b2 is only on B, behind a router that carries its
# replies back to A. New connections to the VIP reach both backends, IPv4 and IPv6: b2's
# packets can only have left by eth1 (redirect), since nothing on A answers to its MAC.
# Then the same with Options::bonding: every packet goes back out of eth0 (XDP_TX), so b1
# still answers while b2's connections fail although the data plane forwarded to it.
#
#   A (br0): 10.0.0.0/24 fd00::/64   client .1, balancer .2, b1 .11, router .254
#   B (br1): 10.0.1.0/24 fd01::/64   balancer .2, b2 .12, router .254
#
#   multi.sh <xvs-e2e-driver-binary>
set -euo pipefail
driver=$1
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/netns.sh
source "$here/lib/netns.sh"
# shellcheck source=lib/check.sh
source "$here/lib/check.sh"
net_trap

ask() {
  actor_say driver "$*"
  actor_hear driver 30
  [[ $HEARD == ok* ]] || fail "driver: $*: $HEARD"
}

# link ROLE PORT BRIDGE IF MAC ADDR4 ADDR6: a veth from BRIDGE (port PORT) to ROLE's IF.
link() {
  local port=$2 bridge=$3 dev=$4 mac=$5 ns="$NET_PREFIX$1"
  ip -n "${NET_PREFIX}sw" link add "$port" type veth peer name "$dev" netns "$ns"
  ip -n "${NET_PREFIX}sw" link set "$port" master "$bridge" up
  ip -n "$ns" link set "$dev" address "$mac" up
  ip -n "$ns" addr add "$6/24" dev "$dev"
  ip -n "$ns" addr add "$7/64" dev "$dev" nodad
}

net_up 1
ip -n "${NET_PREFIX}sw" link add br1 type bridge stp_state 0 mcast_snooping 0
ip -n "${NET_PREFIX}sw" link set br1 up
link lb lb1 br1 eth1 02:00:00:00:01:02 10.0.1.2 fd01::2
net_ns rt
nsx rt sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
link rt rt0 br0 eth0 02:00:00:00:00:fe 10.0.0.254 fd00::fe
link rt rt1 br1 eth1 02:00:00:00:01:fe 10.0.1.254 fd01::fe
net_ns b2
link b2 b2 br1 eth0 02:00:00:00:01:12 10.0.1.12 fd01::12
ip -n "${NET_PREFIX}b2" route add default via 10.0.1.254
ip -n "${NET_PREFIX}b2" -6 route add default via fd01::fe
net_serve b2
wait_for 10 net_listening b2 || fail "backend b2 did not start: $(cat "$NET_TMP/b2.log")"
for peer in 10.0.1.12 fd01::12 "$NET_CLIENT4" "$NET_CLIENT6"; do
  wait_for 10 nsx rt ping -c1 -W1 "$peer" || fail "network: the router cannot reach $peer"
done

driver_start "$driver" eth0,eth1

for family in 4 6; do
  if ((family == 4)); then
    vip=$NET_VIP4 url="http://$NET_VIP4/" b1=$(net_b4 1) b2=10.0.1.12
  else
    vip=$NET_VIP6 url="http://[$NET_VIP6]/" b1=$(net_b6 1) b2=fd01::12
  fi
  ask set "$vip $NET_HTTP_PORT" "$b1" "$b2"
  ask ready "$vip $NET_HTTP_PORT" 30
  http_names cl "$url" 30 >"$NET_TMP/names$family"
  counts=$(tally "$NET_TMP/names$family")
  grep -qx FAIL "$NET_TMP/names$family" && fail "IPv$family: connections failed: $counts"
  grep -qx b1 "$NET_TMP/names$family" || fail "IPv$family: b1 (network A) got nothing: $counts"
  grep -qx b2 "$NET_TMP/names$family" || fail "IPv$family: b2 (network B) got nothing: $counts"
  pass "IPv$family: two interfaces, backends on both networks: $counts"
done

stop_driver() {
  local status=0
  net_stop "$driver_pid" || status=$?
  ((status == 0)) || fail "driver exited with $status after SIGTERM"
  if nsx lb ip -o link show | grep -q xdp; then
    fail "XDP still attached after the driver exited"
  fi
}
stop_driver
pass "driver stopped cleanly, XDP detached from both interfaces"

# Bonded: XDP_TX out of the receiving interface, so b2 (on B only) never sees its packets.
actor_start bonded lb "$driver" bond:eth0,eth1
driver_pid=$ACTOR_PID
actor_hear bonded 30
[[ $HEARD == ok* ]] || fail "bonded driver did not start: $HEARD"
bonded() {
  actor_say bonded "$*"
  actor_hear bonded 30
  [[ $HEARD == ok* ]] || fail "bonded driver: $*: $HEARD"
}
svc="$NET_VIP4 $NET_HTTP_PORT"
bonded set "$svc" "$(net_b4 1)" 10.0.1.12
bonded ready "$svc" 30
# shellcheck disable=SC2016 # the positional parameter belongs to the inner shell
nsx cl bash -c 'for ((i = 0; i < 12; i++)); do
    curl -gsS --noproxy "*" --max-time 1 "$1" 2>/dev/null || echo FAIL
  done' _ "http://$NET_VIP4/" >"$NET_TMP/bonded"
counts=$(tally "$NET_TMP/bonded")
grep -qx b2 "$NET_TMP/bonded" && fail "bonded: b2 was reached, so not by XDP_TX: $counts"
grep -qx b1 "$NET_TMP/bonded" || fail "bonded: b1 got nothing: $counts"
bonded show "$svc"
if ! [[ $HEARD =~ \ 10\.0\.1\.12:([0-9]+)/ ]] || ((BASH_REMATCH[1] == 0)); then
  fail "bonded: the data plane forwarded nothing to b2, so the test proves nothing: $HEARD"
fi
pass "bonded: b1 answers, b2's packets (${BASH_REMATCH[1]}) went back out of eth0: $counts"
stop_driver
pass "bonded driver stopped cleanly, XDP detached"
