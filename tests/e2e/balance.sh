#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# End to end through the real examples/balancer, layer-2 DSR, one address family:
#  - 100 HTTP requests over separate TCP connections from the client to the VIP all succeed
#    and reach all 3 backends;
#  - no reply crosses the balancer: captured on the client, every reply from the VIP comes
#    from a backend's MAC; captured on the balancer, no frame has the VIP as its source
#    (control pings before and after prove the capture was running);
#  - SIGTERM removes the service and detaches XDP (exit 0), after which the VIP is dead.
# With "native", the balancer attaches in driver mode (--native). veth runs native XDP_TX
# only when its peer has NAPI (an XDP program there: PASS_OBJ, a program returning XDP_PASS;
# without it the frames are dropped), and it forwards a locally sent packet's unfinished
# (CHECKSUM_PARTIAL) checksum as it is, so the client must compute full checksums.
#
#   balance.sh <balancer-binary> 4|6 [native PASS_OBJ]
set -euo pipefail
balancer=$1
family=$2
mode=${3:-generic}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/netns.sh
source "$here/lib/netns.sh"
# shellcheck source=lib/check.sh
source "$here/lib/check.sh"
net_trap

case $family in
  4) vip=$NET_VIP4 url="http://$NET_VIP4/" prefix="$NET_LB4/24" lb=$NET_LB4
     rips=("$(net_b4 1)" "$(net_b4 2)" "$(net_b4 3)")
     from_vip="ip.src == $vip" control="ip.src == $NET_CLIENT4 && icmp.type == 8"
     control_reply="ip.src == $NET_LB4 && icmp.type == 0" ;;
  6) vip=$NET_VIP6 url="http://[$NET_VIP6]/" prefix="$NET_LB6/64" lb=$NET_LB6
     rips=("$(net_b6 1)" "$(net_b6 2)" "$(net_b6 3)")
     from_vip="ipv6.src == $vip" control="ipv6.src == $NET_CLIENT6 && icmpv6.type == 128"
     control_reply="ipv6.src == $NET_LB6 && icmpv6.type == 129" ;;
  *) echo "usage: $0 <balancer> 4|6 [native PASS_OBJ]" >&2; exit 2 ;;
esac

net_up 3
flags=()
attached=xdpgeneric
if [[ $mode == native ]]; then
  ip -n "${NET_PREFIX}sw" link set lb xdpdrv obj "$4" sec xdp
  nsx cl "$NET_PY" "$NET_LIB_DIR/offload_off.py" eth0 tx
  flags=(--native)
  attached=xdp
fi
log=$NET_TMP/balancer.log
CHECK_LOGS+=("$log")

capture_start lb "$NET_TMP/lb.pcap"
lb_capture=$CAPTURE_PID
capture_start cl "$NET_TMP/cl.pcap"
cl_capture=$CAPTURE_PID

net_spawn lb "$log" "$balancer" "${flags[@]}" -i 1 eth0 "$prefix" "$vip" "${rips[@]}"
balancer_pid=$NET_PID
wait_line 30 "$balancer_pid" "$log" '^ready after' ||
  fail "balancer not ready (exited, or 30 s passed)"
nsx lb ip link show eth0 | grep -q "mtu [0-9]* $attached " || fail "XDP not attached as $attached"

nsx cl ping -c1 -W2 "$lb" >/dev/null || fail "control ping to the balancer"
http_names cl "$url" 100 >"$NET_TMP/names"
nsx cl ping -c1 -W2 "$lb" >/dev/null || fail "control ping to the balancer"
counts=$(tally "$NET_TMP/names")
echo "IPv$family $mode $url: $counts"
[[ $(grep -cx 'b[1-3]' "$NET_TMP/names") == 100 ]] || fail "not all 100 requests answered: $counts"
for b in b1 b2 b3; do
  # Maglev over 100 random source ports: fewer than 10 for one of 3 backends is ~1e-6 likely.
  (($(grep -cx "$b" "$NET_TMP/names") >= 10)) || fail "backend $b got too few requests: $counts"
done
pass "IPv$family $mode: 100 HTTP requests over separate connections, all answered, spread: $counts"

wait_for 10 capture_seen "$NET_TMP/lb.pcap" "$control" 2 ||
  fail "balancer capture did not see both control pings: not capturing"
wait_for 10 capture_seen "$NET_TMP/cl.pcap" "$control_reply" 2 ||
  fail "client capture did not see both control ping replies: not capturing"
net_stop "$cl_capture" || true
net_stop "$lb_capture" || true
from_backend="eth.src == $(net_mac 0x11) || eth.src == $(net_mac 0x12)"
from_backend+=" || eth.src == $(net_mac 0x13)"
total=$(capture_count "$NET_TMP/cl.pcap" "$from_vip && tcp") || fail "tshark: client capture"
from_backends=$(capture_count "$NET_TMP/cl.pcap" "$from_vip && tcp && ($from_backend)") ||
  fail "tshark: client capture"
((total >= 300)) || fail "client capture saw only $total reply segments from the VIP"
((total == from_backends)) ||
  fail "$((total - from_backends)) of $total replies reached the client from a non-backend MAC"
crossed=$(capture_count "$NET_TMP/lb.pcap" "$from_vip") || fail "tshark: balancer capture"
((crossed == 0)) || fail "$crossed frames from the VIP crossed the balancer"
pass "IPv$family $mode: all $total reply segments came straight from backend MACs;" \
  "none crossed the balancer"

status=0
net_stop "$balancer_pid" || status=$?
((status == 0)) || fail "balancer exited with $status after SIGTERM"
grep -q 'services removed' "$log" || fail "balancer did not report removing its services"
if nsx lb ip link show eth0 | grep -q xdp; then fail "XDP still attached after exit"; fi
if nsx cl curl -gsS --noproxy '*' --max-time 3 "$url" >/dev/null 2>&1; then
  fail "the VIP still answers after the balancer removed its service"
fi
pass "IPv$family $mode: SIGTERM removed the service and detached XDP; the VIP no longer answers"
