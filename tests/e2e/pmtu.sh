#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Path-MTU discovery through DSR, end to end through the real examples/balancer, for IPv4
# and IPv6, by layer 2 (none) or a tunnel (the backends run cmd/xvs-decap):
#  - the client opens a TCP connection to the VIP's line port and learns which backend
#    serves it; then, playing a router on the backend's path back to it, sends the VIP an
#    ICMP "fragmentation needed" (MTU 1200) / ICMPv6 "packet too big" (MTU 1300) quoting a
#    full-sized segment of that backend in this connection (lib/pmtu_probe.py);
#  - the backend's kernel then reports the lowered MTU for the client's address
#    (ip route get / ip -6 route get), which it did not before; the other backend does not;
#  - the balancer counted no ICMP drop (err_icmp*).
#
#   pmtu.sh <balancer> <xvs-decap> none|ipip|gre|fou|gue
set -euo pipefail
balancer=$1
decap=$2
tunnel=$3
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/netns.sh
source "$here/lib/netns.sh"
# shellcheck source=lib/check.sh
source "$here/lib/check.sh"
# shellcheck source=lib/decap.sh
source "$here/lib/decap.sh"
net_trap

FOU_PORT=5555
GUE_PORT=6080
ROUTER4=10.0.0.250  # on the backends' subnet, so that their reverse-path filter accepts it
ROUTER6=fd00::250
case $tunnel in
  none | ipip | gre | fou | gue) ;;
  *) echo "usage: $0 <balancer> <xvs-decap> none|ipip|gre|fou|gue" >&2; exit 2 ;;
esac

net_up 2
if [[ $tunnel != none ]]; then
  for b in b1 b2; do
    nsx "$b" sysctl -qw net.ipv4.conf.all.rp_filter=2 net.ipv4.conf.eth0.rp_filter=2
  done
  decap_up "$decap" "$FOU_PORT" "$GUE_PORT" b1 b2
fi

# route_mtu ROLE FAMILY ADDRESS: the MTU ROLE's kernel reports for ADDRESS ("" for none).
route_mtu() {
  nsx "$1" ip -"$2" route get "$3" | sed -n 's/.* mtu \([0-9]*\).*/\1/p'
}

# run_case FAMILY MTU
run_case() {
  local family=$1 mtu=$2 vip client router rips name="$tunnel IPv$1" log
  if ((family == 4)); then
    vip=$NET_VIP4 client=$NET_CLIENT4 router=$ROUTER4 rips=("$(net_b4 1)" "$(net_b4 2)")
  else
    vip=$NET_VIP6 client=$NET_CLIENT6 router=$ROUTER6 rips=("$(net_b6 1)" "$(net_b6 2)")
  fi
  for b in b1 b2; do
    nsx "$b" ip -"$family" route flush cache
    [[ -z $(route_mtu "$b" "$family" "$client") ]] ||
      fail "$name: $b has a path MTU for $client before the test"
  done

  log=$NET_TMP/balancer-$tunnel$family.log
  net_spawn lb "$log" "$balancer" -i 1 -t "$tunnel" -4 "$FOU_PORT" -6 "$FOU_PORT" \
    -G "$GUE_PORT" -p "$NET_LINE_PORT" eth0 "$NET_LB4/24" -P "$NET_LB6/64" "$vip" "${rips[@]}"
  local pid=$NET_PID
  CHECK_LOGS+=("$log")
  wait_line 30 "$pid" "$log" '^ready after' || fail "$name: balancer not ready (exited, or 30 s)"

  local served other
  served=$(nsx cl timeout 20 "$NET_PY" "$NET_LIB_DIR/pmtu_probe.py" "$vip" "$NET_LINE_PORT" \
    "$router" "$mtu" eth0 "$(net_mac 2)") || fail "$name: the probe failed: $served"
  [[ $served =~ ^b[12]$ ]] || fail "$name: the probe's connection was served by '$served'"
  other=b$((3 - ${served#b}))
  wait_for 5 test "$(route_mtu "$served" "$family" "$client")" = "$mtu" ||
    fail "$name: $served (serving the flow) reports no MTU $mtu for $client:" \
      "$(nsx "$served" ip -"$family" route get "$client")"
  [[ -z $(route_mtu "$other" "$family" "$client") ]] ||
    fail "$name: $other, which does not serve the flow, lowered its MTU too"
  pass "$name: after the router's too-big error, $served reports mtu $mtu for $client;" \
    "$other reports none"

  # The last statistics (printed every second) count the error, and no ICMP drop.
  wait_line 5 "$pid" "$log" "^counters:.* forwarded" || fail "$name: no counters printed"
  net_stop "$pid" || fail "$name: balancer exited with $? after SIGTERM"
  if grep -q "err_icmp" "$log"; then
    fail "$name: the balancer dropped ICMP: $(grep '^counters:' "$log" | tail -n 1)"
  fi
}

run_case 4 1200
run_case 6 1300

if [[ $tunnel != none ]]; then
  for i in 0 1; do
    net_stop "${DECAP_PIDS[i]}" || fail "xvs-decap on b$((i + 1)) exited with $? on SIGTERM"
    last=$(grep "^decapsulated:" "$NET_TMP/decap-b$((i + 1)).log" | tail -n 1)
    [[ ${last#*dropped:} =~ ^( [a-z_]+=0)+$ ]] ||
      fail "xvs-decap on b$((i + 1)) dropped packets: $last"
  done
  pass "$tunnel: xvs-decap dropped nothing"
fi
