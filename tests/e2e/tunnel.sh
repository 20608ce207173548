#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# End to end through the real examples/balancer with layer-3 tunnels to backends running
# cmd/xvs-decap: b1 and b2 on the balancer's bridge, b3 in another subnet behind a router
# (lib/routed.sh), which the balancer reaches via that gateway. For each case VIP:BACKENDS
# (address families, e.g. 6:4 = an IPv6 VIP served by IPv4 backends), the balancer runs
# with -t TUNNEL and:
#  - 60 HTTP requests over separate TCP connections from the client to the VIP are all
#    answered, by all three backends;
#  - a request whose first segment is too big for the tunnel gets an ICMP "fragmentation
#    needed" / "packet too big" from the VIP with MTU 1500 - overhead, and the client, having
#    lowered its path MTU, is then answered (the balancer counts too_big);
#  - a health check from the balancer's host through each backend's NAT address is answered
#    by that backend (docs/healthchecks.md);
# and over all cases:
#  - the balancer sent the tunnel's packets to b1/b2 directly and b3's to the router's MAC;
#  - no reply crossed the balancer (its capture holds no frame from the VIP but its ICMP
#    errors); on the client every reply came from b1's or b2's MAC or, for b3, the router's;
#  - xvs-decap decapsulated the tunnel on every backend and dropped nothing.
# The client's eth0 segments in software (no TSO/GSO), as a wire would deliver its frames:
# a veth otherwise hands the balancer 64 KB super-packets, larger than any MTU.
#
#   tunnel.sh <balancer> <xvs-decap> ipip|gre|fou|gue VIP:BACKENDS...   (families 4 or 6)
# shellcheck disable=SC2154 # count() below assigns the variable named by its caller
set -euo pipefail
balancer=$1
decap=$2
tunnel=$3
shift 3
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

FOU_PORT=5555
GUE_PORT=6080
REQUESTS=60
# Overheads for IPv4 / IPv6 outer headers (docs/tunnels.md) and what the capture shows of
# the tunnel.
case $tunnel in
  ipip) overhead=(20 40) wire="ip.proto in {4, 41} || ipv6.nxt in {4, 41}" ;;
  gre) overhead=(24 44) wire="gre" ;;
  fou) overhead=(28 48) wire="udp.dstport == $FOU_PORT" ;;
  gue) overhead=(32 52) wire="udp.dstport == $GUE_PORT" ;;
  *) echo "usage: $0 <balancer> <xvs-decap> ipip|gre|fou|gue VIP:BACKENDS..." >&2; exit 2 ;;
esac
for c in "$@"; do
  [[ $c =~ ^[46]:[46]$ ]] || { echo "$0: a case is VIP:BACKENDS, e.g. 6:4, not '$c'" >&2; exit 2; }
done
(($# > 0)) || { echo "$0: no case given" >&2; exit 2; }

net_up 2
routed_up b3
# The backends as docs/tunnels.md sets them up (VIPs on lo, ARP for them off: net_serve).
for b in b1 b2 b3; do
  nsx "$b" sysctl -qw net.ipv4.conf.all.rp_filter=2 net.ipv4.conf.eth0.rp_filter=2
done
nsx cl "$NET_PY" "$NET_LIB_DIR/offload_off.py" eth0 tso gso

decap_up "$decap" "$FOU_PORT" "$GUE_PORT" b1 b2 b3

# On the balancer's switch port: generic XDP transmits bypass captures on the balancer.
capture_start sw "$NET_TMP/lb.pcap" lb
lb_capture=$CAPTURE_PID
capture_start cl "$NET_TMP/cl.pcap"
cl_capture=$CAPTURE_PID

pad=$(head -c 3000 /dev/zero | tr '\0' x)
# run_case VIP_FAMILY BACKEND_FAMILY
run_case() {
  local vip url rips name="$tunnel $1:$2" log=$NET_TMP/balancer-$1$2.log
  if (($1 == 4)); then vip=$NET_VIP4 url="http://$NET_VIP4/"; else
    vip=$NET_VIP6 url="http://[$NET_VIP6]/"; fi
  if (($2 == 4)); then rips=("$(net_b4 1)" "$(net_b4 2)" "$NET_REMOTE4"); else
    rips=("$(net_b6 1)" "$(net_b6 2)" "$NET_REMOTE6"); fi
  # Forget what earlier cases taught the client about the VIP's path MTU.
  nsx cl ip route flush cache
  nsx cl ip -6 route flush cache

  net_spawn lb "$log" "$balancer" -t "$tunnel" -4 "$FOU_PORT" -6 "$FOU_PORT" -G "$GUE_PORT" \
    eth0 "$NET_LB4/24" -P "$NET_LB6/64" "$vip" "${rips[@]}"
  local pid=$NET_PID
  CHECK_LOGS+=("$log")
  wait_line 30 "$pid" "$log" '^ready after' || fail "$name: balancer not ready (exited, or 30 s)"

  # Fail fast rather than 60 x curl's 3 s when nothing gets through.
  wait_for 5 nsx cl curl -gsS --noproxy '*' --max-time 1 "$url" ||
    fail "$name: the VIP does not answer"
  http_names cl "$url" "$REQUESTS" >"$NET_TMP/names"
  local counts b
  counts=$(tally "$NET_TMP/names")
  [[ $(grep -cx 'b[1-3]' "$NET_TMP/names") == "$REQUESTS" ]] ||
    fail "$name: not all $REQUESTS requests answered: $counts"
  for b in b1 b2 b3; do
    # Maglev over 60 random source ports: fewer than 5 for one of 3 backends is ~1e-5 likely.
    (($(grep -cx "$b" "$NET_TMP/names") >= 5)) || fail "$name: backend $b got too few: $counts"
  done
  pass "$name: $REQUESTS HTTP requests over separate connections, all answered, spread: $counts"

  local answer i nat
  # Health checks from the balancer's host through each backend's NAT address.
  for i in 0 1 2; do
    nat=$(nat_address "$log" "$vip" "${rips[i]}")
    answer=$(nat_check lb "$nat") || fail "$name: health check of b$((i + 1)) via '$nat' failed"
    [[ $answer == "b$((i + 1))" ]] || fail "$name: health check of b$((i + 1)) got '$answer'"
  done
  pass "$name: health checks through the NAT addresses reached each backend over $tunnel"

  answer=$(nsx cl curl -gsS --noproxy '*' --max-time 10 -H "X-Pad: $pad" "$url") ||
    fail "$name: a request larger than the tunnel MTU was not answered"
  [[ $answer =~ ^b[1-3]$ ]] || fail "$name: a large request got '$answer'"

  net_stop "$pid" || fail "$name: balancer exited with $? after SIGTERM"
  grep -q "too_big [1-9]" "$log" || fail "$name: the balancer counted no too_big"
  pass "$name: a request larger than the tunnel MTU was answered by $answer after too_big"
}

for c in "$@"; do run_case "${c%:*}" "${c#*:}"; done

# The captures: flushed by a control ping, seen on both sides.
nsx cl ping -c1 -W2 "$NET_LB4" >/dev/null || fail "control ping to the balancer"
wait_for 10 capture_seen "$NET_TMP/lb.pcap" "ip.src == $NET_CLIENT4 && icmp.type == 8" 1 ||
  fail "balancer capture did not see the control ping: not capturing"
wait_for 10 capture_seen "$NET_TMP/cl.pcap" "ip.src == $NET_LB4 && icmp.type == 0" 1 ||
  fail "client capture did not see the control ping's reply: not capturing"
net_stop "$cl_capture" || true
net_stop "$lb_capture" || true

# count VAR CAPTURE FILTER: sets VAR to the number of frames of CAPTURE matching FILTER.
count() {
  local n
  n=$(capture_count "$NET_TMP/$2.pcap" "$3") || fail "tshark: $2 capture, filter $3"
  printf -v "$1" %s "$n"
}
lb_mac=$(net_mac 2)
to_router="eth.src == $lb_mac && eth.dst == $NET_ROUTER_MAC && ($wire)"
to_router+=" && (ip.dst == $NET_REMOTE4 || ipv6.dst == $NET_REMOTE6)"
to_local="eth.src == $lb_mac && (eth.dst == $(net_mac 0x11) || eth.dst == $(net_mac 0x12))"
to_local+=" && ($wire)"
count sent_routed lb "$to_router"
count sent_direct lb "$to_local"
((sent_routed > 0 && sent_direct > 0)) ||
  fail "$tunnel frames from the balancer: $sent_direct to b1/b2, $sent_routed via the router"
pass "$tunnel: the balancer sent $sent_direct tunnel frames to b1/b2 and $sent_routed to b3" \
  "via the router's MAC"

from_vip="(ip.src == $NET_VIP4 || ipv6.src == $NET_VIP6) && !icmp && !icmpv6"
# Health-check replies are addressed to the balancer itself: not crossing.
count crossed lb "$from_vip && !(ip.dst == $NET_LB4 || ipv6.dst == $NET_LB6)"
((crossed == 0)) || fail "$crossed frames from the VIP crossed the balancer"
# The capture sees what the balancer sends from the VIP: its ICMP errors.
count errors lb "(ip.src == $NET_VIP4 && icmp) || (ipv6.src == $NET_VIP6 && icmpv6)"
((errors > 0)) || fail "the balancer's capture holds none of its ICMP errors from the VIP"
count replies cl "$from_vip && tcp"
count direct cl "$from_vip && tcp && (eth.src == $(net_mac 0x11) || eth.src == $(net_mac 0x12))"
count routed cl "$from_vip && tcp && eth.src == $NET_ROUTER_MAC"
# At least SYN-ACK, response and FIN per request.
((replies >= 3 * REQUESTS * $#)) || fail "the client saw only $replies replies from the VIP"
((direct + routed == replies && routed > 0)) ||
  fail "of $replies replies from the VIP, $direct came from b1/b2, $routed via the router"
pass "$tunnel: all $replies replies went straight to the client ($direct from b1/b2, $routed" \
  "from b3 via the router), none crossed the balancer"

for c in "$@"; do
  mtu=$((1500 - overhead[${c#*:} == 4 ? 0 : 1]))
  if [[ ${c%:*} == 4 ]]; then
    error="ip.src == $NET_VIP4 && icmp.type == 3 && icmp.code == 4 && icmp.mtu == $mtu"
  else
    error="ipv6.src == $NET_VIP6 && icmpv6.type == 2 && icmpv6.mtu == $mtu"
  fi
  count too_big cl "eth.src == $lb_mac && $error"
  ((too_big > 0)) ||
    fail "$tunnel $c: the client got no ICMP too-big from the VIP with MTU $mtu"
done
pass "$tunnel: in every case the client got the VIP's ICMP too-big with MTU 1500 - overhead"

for i in 0 1 2; do
  b=b$((i + 1))
  net_stop "${DECAP_PIDS[i]}" || fail "xvs-decap on $b exited with $? on SIGTERM"
  last=$(grep "^decapsulated:" "$NET_TMP/decap-$b.log" | tail -n 1)
  [[ $last =~ " $tunnel="[1-9] ]] || fail "xvs-decap on $b decapsulated no $tunnel: $last"
  [[ ${last#*dropped:} =~ ^( [a-z_]+=0)+$ ]] || fail "xvs-decap on $b dropped packets: $last"
done
pass "$tunnel: xvs-decap decapsulated on every backend and dropped nothing"
