#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# xvs's meaning of a VLAN prefix, end to end: the real examples/balancer is given the VLAN's
# router (10.0.0.254/24, fd00::fe/64: lib/routed.sh's router on the bridge), not its own
# address, and the balancer's kernel has NO route to the remote backend's subnet, so the only
# way to reach b2 (behind the router, running cmd/xvs-decap) is the configured router as next
# hop. For IPv4 and IPv6, over IPIP:
#  - 40 HTTP requests over separate connections to the VIP are all answered, by the local
#    backend b1 and the remote b2, both decapsulating with xvs-decap (so our address was found inside the prefix: the tunnel's
#    source is one b2 accepts, and replies reach the client);
#  - a health check through b2's NAT address is answered by b2;
#  - the balancer sent b2's tunnel frames to the router's MAC.
#
#   vlanrouter.sh <balancer> <xvs-decap>
set -euo pipefail
balancer=$1
decap=$2
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/netns.sh
source "$here/lib/netns.sh"
# shellcheck source=lib/check.sh
source "$here/lib/check.sh"
# shellcheck source=lib/routed.sh
source "$here/lib/routed.sh"
# shellcheck source=lib/decap.sh
source "$here/lib/decap.sh"
net_trap

REQUESTS=40
net_up 1
routed_up b2
# routed_up gives the balancer routes via the router; this test is about doing without.
ip -n "${NET_PREFIX}lb" route del 10.1.0.0/24
ip -n "${NET_PREFIX}lb" -6 route del fd01::/64
[[ -z $(ip -n "${NET_PREFIX}lb" route show default) ]] || fail "the balancer has a default route"
for b in b1 b2; do
  nsx "$b" sysctl -qw net.ipv4.conf.all.rp_filter=2 net.ipv4.conf.eth0.rp_filter=2
done
decap_up "$decap" 5555 6080 b1 b2
capture_start sw "$NET_TMP/lb.pcap" lb
lb_capture=$CAPTURE_PID

# run_case FAMILY
run_case() {
  local vip url rips name="router prefix ipv$1" log=$NET_TMP/balancer-$1.log
  if (($1 == 4)); then vip=$NET_VIP4 url="http://$NET_VIP4/" rips=("$(net_b4 1)" "$NET_REMOTE4")
  else vip=$NET_VIP6 url="http://[$NET_VIP6]/" rips=("$(net_b6 1)" "$NET_REMOTE6"); fi
  net_spawn lb "$log" "$balancer" -t ipip eth0 "$NET_ROUTER4/24" -P "$NET_ROUTER6/64" \
    "$vip" "${rips[@]}"
  local pid=$NET_PID
  CHECK_LOGS+=("$log")
  wait_line 30 "$pid" "$log" '^ready after' || fail "$name: balancer not ready (exited, or 30 s)"
  wait_for 10 nsx cl curl -gsS --noproxy '*' --max-time 1 "$url" ||
    fail "$name: the VIP does not answer"
  http_names cl "$url" "$REQUESTS" >"$NET_TMP/names"
  local counts
  counts=$(tally "$NET_TMP/names")
  [[ $(grep -cx 'b[12]' "$NET_TMP/names") == "$REQUESTS" ]] ||
    fail "$name: not all $REQUESTS requests answered: $counts"
  grep -qx b1 "$NET_TMP/names" && grep -qx b2 "$NET_TMP/names" ||
    fail "$name: not both backends answered: $counts"
  pass "$name: $REQUESTS requests answered by the local and the routed backend: $counts"

  local nat answer
  nat=$(nat_address "$log" "$vip" "${rips[1]}")
  answer=$(nat_check lb "$nat") || fail "$name: health check of b2 via '$nat' failed"
  [[ $answer == b2 ]] || fail "$name: health check of b2 got '$answer'"
  pass "$name: the health check through b2's NAT address went via the router"
  net_stop "$pid" || fail "$name: balancer exited with $? after SIGTERM"
}

run_case 4
run_case 6

nsx cl ping -c1 -W2 "$NET_LB4" >/dev/null || fail "control ping to the balancer"
wait_for 10 capture_seen "$NET_TMP/lb.pcap" "ip.src == $NET_CLIENT4 && icmp.type == 8" 1 ||
  fail "balancer capture did not see the control ping: not capturing"
net_stop "$lb_capture" || true
for family in 4 6; do
  if ((family == 4)); then dst="ip.dst == $NET_REMOTE4"; else dst="ipv6.dst == $NET_REMOTE6"; fi
  routed=$(capture_count "$NET_TMP/lb.pcap" \
    "eth.src == $(net_mac 2) && eth.dst == $NET_ROUTER_MAC && $dst && (ip.proto == 4 || ipv6.nxt == 41)") ||
    fail "tshark on the balancer's capture"
  ((routed > 0)) || fail "ipv$family: no tunnel frame to b2 went to the router's MAC"
  pass "ipv$family: $routed tunnel frames to b2 left for the router's MAC"
done
