#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Health checks through the NAT addresses (docs/healthchecks.md), layer 2, IPv4 and IPv6,
# with the real examples/balancer and two backends:
#  - from the balancer's host, HTTP to the NAT address of (VIP, backend i) is answered by
#    backend i, every time, also when the host reuses one source port for both backends
#    (the probe program then gives the second probe another port on the wire);
#  - no health-check frame reaches the client;
#  - the probes reach the backend as connections from the balancer's own address to the VIP;
#  - the balancer killed with SIGKILL leaves its pair to the kernel; a new balancer started
#    at once replaces it, and health checks work again; SIGTERM removes the pair.
#
# With "native", the balancer attaches in driver mode, the pair too. What native XDP on veth
# needs is in balance.sh: PASS_OBJ on the switch's end of the balancer's veth, and full
# checksums from the senders of what the balancer rewrites, here the backends' replies.
#
#   healthcheck.sh <balancer-binary> [native PASS_OBJ]
set -euo pipefail
balancer=$1
mode=${2:-generic}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/netns.sh
source "$here/lib/netns.sh"
# shellcheck source=lib/check.sh
source "$here/lib/check.sh"
net_trap

net_up 2
flags=()
if [[ $mode == native ]]; then
  ip -n "${NET_PREFIX}sw" link set lb xdpdrv obj "$3" sec xdp
  for b in b1 b2; do nsx "$b" "$NET_PY" "$NET_LIB_DIR/offload_off.py" eth0 tx; done
  flags=(--native)
fi
capture_start b1 "$NET_TMP/b1.pcap"
b1_capture=$CAPTURE_PID
capture_start b2 "$NET_TMP/b2.pcap"
b2_capture=$CAPTURE_PID
capture_start cl "$NET_TMP/cl.pcap"
cl_capture=$CAPTURE_PID

# start_balancer FAMILY LOG: sets PID, VIP and NATS (NAT address of b1, b2).
start_balancer() {
  local prefix rips
  if (($1 == 4)); then VIP=$NET_VIP4 prefix="$NET_LB4/24" rips=("$(net_b4 1)" "$(net_b4 2)")
  else VIP=$NET_VIP6 prefix="$NET_LB6/64" rips=("$(net_b6 1)" "$(net_b6 2)"); fi
  net_spawn lb "$2" "$balancer" "${flags[@]}" -i 1 eth0 "$prefix" "$VIP" "${rips[@]}"
  PID=$NET_PID
  CHECK_LOGS+=("$2")
  wait_line 30 "$PID" "$2" '^ready after' || fail "IPv$1: balancer not ready"
  NATS=("$(nat_address "$2" "$VIP" "${rips[0]}")" "$(nat_address "$2" "$VIP" "${rips[1]}")")
  [[ -n ${NATS[0]} && -n ${NATS[1]} && ${NATS[0]} != "${NATS[1]}" ]] ||
    fail "IPv$1: the balancer printed no NAT addresses: ${NATS[*]}"
}

# checks FAMILY PORT: 7 health checks per backend, each answered by that backend; the last
# two each from source port PORT (unused so far: the host keeps a closed port in TIME_WAIT).
checks() {
  local i n answer port=$2
  for ((n = 0; n < 5; n++)); do
    for i in 0 1; do
      answer=$(nat_check lb "${NATS[i]}") || fail "IPv$1: health check of b$((i + 1)) failed"
      [[ $answer == "b$((i + 1))" ]] || fail "IPv$1: health check of b$((i + 1)) got '$answer'"
    done
  done
  # One source port on the host for both backends, one after the other.
  for i in 0 1 0 1; do
    answer=$(nsx lb "$NET_PY" "$NET_LIB_DIR/http_from_port.py" "${NATS[i]}" "$port") ||
      fail "IPv$1: health check of b$((i + 1)) from port $port failed"
    [[ $answer == "b$((i + 1))" ]] || fail "IPv$1: check of b$((i + 1)) got '$answer'"
  done
}

for family in 4 6; do
  log=$NET_TMP/balancer$family.log
  start_balancer "$family" "$log"
  info=$(nsx lb ip -o addr show dev xvsnat0) || fail "IPv$family: no xvsnat0 on the host"
  grep -q "inet 198.18.255.253/30" <<<"$info" && grep -q "inet6 2001:2:0:ffff::1/64" <<<"$info" ||
    fail "IPv$family: xvsnat0 lacks its documented addresses: $info"
  checks "$family" $((40000 + family))
  pass "IPv$family: 14 health checks through ${NATS[*]} answered by the right backend"
  # A reply of many segments (merged by GRO before generic XDP) reaches the checker whole.
  url="http://${NATS[0]}/bytes/300000"
  [[ ${NATS[0]} != *:* ]] || url="http://[${NATS[0]}]/bytes/300000"
  size=$(nsx lb curl -gsS --noproxy '*' --max-time 10 -o /dev/null -w '%{size_download}' "$url") ||
    fail "IPv$family: a 300,000-byte page through ${NATS[0]} did not arrive (got ${size:-0} bytes)"
  ((size == 300000)) || fail "IPv$family: the 300,000-byte page arrived as $size bytes"
  pass "IPv$family: a 300,000-byte page arrived whole through ${NATS[0]}"

  # SIGKILL: the pair goes with the process's namespace; a new balancer starts at once.
  kill -KILL "$PID"
  wait "$PID" 2>/dev/null || true
  start_balancer "$family" "$log.2"
  pairs=$(nsx lb ip -o link show | grep -c ': xvsnat0@' || true)
  ((pairs == 1)) || fail "IPv$family: $pairs xvsnat0 links instead of one"
  checks "$family" $((40010 + family))
  pass "IPv$family: after SIGKILL a new balancer started and its health checks work"
  net_stop "$PID" || fail "IPv$family: balancer exited with $? after SIGTERM"
  ! nsx lb ip link show xvsnat0 >/dev/null 2>&1 || fail "IPv$family: xvsnat0 left behind"
  ! nsx lb ip -o link show | grep -q xdp || fail "IPv$family: XDP left attached"
done
pass "SIGTERM removed the pair and the XDP program"

# Flush the captures with a control ping each.
nsx cl ping -c1 -W2 "$NET_LB4" >/dev/null || fail "control ping"
for b in b1 b2; do nsx "$b" ping -c1 -W2 "$NET_LB4" >/dev/null || fail "control ping"; done
wait_for 10 capture_seen "$NET_TMP/cl.pcap" "ip.src == $NET_LB4 && icmp.type == 0" 1 ||
  fail "client capture not running"
for b in b1 b2; do
  wait_for 10 capture_seen "$NET_TMP/$b.pcap" "ip.src == $NET_LB4 && icmp.type == 0" 1 ||
    fail "$b capture not running"
done
net_stop "$cl_capture" || true
net_stop "$b1_capture" || true
net_stop "$b2_capture" || true
probes4="ip.src == $NET_LB4 && ip.dst == $NET_VIP4 && tcp.dstport == 80 && tcp.flags.syn == 1"
probes6="ipv6.src == $NET_LB6 && ipv6.dst == $NET_VIP6 && tcp.dstport == 80 && tcp.flags.syn == 1"
n4=$(capture_count "$NET_TMP/b1.pcap" "$probes4 && tcp.flags.ack == 0")
n6=$(capture_count "$NET_TMP/b1.pcap" "$probes6 && tcp.flags.ack == 0")
((n4 >= 14 && n6 >= 14)) || fail "b1 saw $n4 IPv4 and $n6 IPv6 probe SYNs to the VIP from the balancer"
pass "b1 saw the probes as connections from the balancer to the VIP ($n4 IPv4, $n6 IPv6)"
# The rewritten probes carry correct checksums (the pair's host end computes them in full).
to_vip="(ip.dst == $NET_VIP4 || ipv6.dst == $NET_VIP6) && tcp"
good=$(tshark -n -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE -r "$NET_TMP/b1.pcap" \
  -Y "$to_vip && tcp.checksum.status == 1 && (ipv6 || ip.checksum.status == 1)" \
  -T fields -e frame.number | grep -c . || true)
all=$(capture_count "$NET_TMP/b1.pcap" "$to_vip")
((good == all && all > 0)) || fail "of $all probe frames at b1 only $good have good checksums"
pass "all $all probe frames at b1 have correct IP and TCP checksums"
# b1 was checked first from each shared port and kept it; b2's probes from that port left
# from another one, since the VIP's replies to the first were b1's.
shared="tcp.flags.syn == 1 && tcp.flags.ack == 0 && tcp.srcport in {40004, 40014, 40006, 40016}"
from_shared=$(capture_count "$NET_TMP/b1.pcap" "$shared")
moved=$(capture_count "$NET_TMP/b2.pcap" "$shared")
((from_shared == 8 && moved == 0)) ||
  fail "probes from the shared ports: b1 saw $from_shared SYNs (8 expected), b2 $moved (0 expected)"
pass "one host port for two backends: b1's probes kept it, b2's left from other ports"
leaked=$(capture_count "$NET_TMP/cl.pcap" "ip.src == $NET_VIP4 || ipv6.src == $NET_VIP6")
((leaked == 0)) || fail "$leaked health-check frames reached the client"
pass "no health-check traffic reached the client"
