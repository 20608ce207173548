#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Live network facts through xvs-e2e-driver, one address family:
#  - a destination whose neighbour never resolves shows MAC 00:00:00:00:00:00 and gets no
#    traffic, while the resolved ones get all of it;
#  - a backend changes its MAC and the balancer's neighbour entry learns it: the data plane
#    uses the new MAC, and new connections reach the backend, within 1 s (delays printed);
#  - set_config takes effect live: VLAN prefixes the balancer has no address in leave the
#    destinations unresolved (no traffic); the right ones bring them back.
#
#   live.sh <xvs-e2e-driver-binary> 4|6
set -euo pipefail
driver=$1
family=$2
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/netns.sh
source "$here/lib/netns.sh"
# shellcheck source=lib/check.sh
source "$here/lib/check.sh"
net_trap

case $family in
  4) vip=$NET_VIP4 addr=net_b4 url="http://$NET_VIP4/" ghost=10.0.0.19 ;;
  6) vip=$NET_VIP6 addr=net_b6 url="http://[$NET_VIP6]/" ghost=fd00::19 ;;
  *) echo "usage: $0 <driver> 4|6" >&2; exit 2 ;;
esac
lines="$vip $NET_LINE_PORT"
http="$vip $NET_HTTP_PORT"
zero=00:00:00:00:00:00

ask() {
  actor_say driver "$*"
  actor_hear driver 30
  [[ $HEARD == ok* ]] || fail "driver: $*: $HEARD"
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# One new HTTP connection answered by backend $1, with a short limit so that retries are
# frequent (a lost SYN would otherwise wait a second for its retransmission).
answers() { [[ $(nsx cl curl -gsS --noproxy "*" --max-time 0.25 "$url" 2>/dev/null) == "$1" ]]; }
b1_silent() { ! answers b1; }

net_up 2
b1=$($addr 1)
driver_start "$driver" eth0 "$NET_LB4/24" "$NET_LB6/64"

# --- an unresolved neighbour gets no traffic ---
ask set "$lines" "$b1" "$($addr 2)"
ask ready "$lines" 30
ask add "$lines" "$ghost"
sleep 2  # resolution attempts (pings) for the ghost; nothing answers them
ask mac "$lines" "$ghost"
[[ $HEARD == "ok $zero" ]] || fail "destination without a neighbour shows '$HEARD'"
line_names cl "$vip" 20 >"$NET_TMP/ghost"
counts=$(tally "$NET_TMP/ghost")
grep -qx FAIL "$NET_TMP/ghost" && fail "connections failed with an unresolved destination: $counts"
ask show "$lines"
[[ $HEARD == *" $ghost:0/0/$zero"* ]] || fail "the unresolved destination got traffic: $HEARD"
pass "IPv$family: unresolved $ghost shows $zero and gets nothing; 20 connections: $counts"

# --- a backend's new MAC reaches the data plane within 1 s ---
ask set "$http" "$b1"
ask ready "$http" 30
answers b1 || fail "b1 does not answer over HTTP before the MAC change"
new_mac=02:00:00:00:00:99
nsx b1 ip link set dev eth0 address "$new_mac"
start=$(now_ms)
nsx lb ip neigh replace "$b1" lladdr "$new_mac" dev eth0 nud reachable
mac_ms="" conn_ms=""
while [[ -z $mac_ms ]] && (($(now_ms) - start < 3000)); do
  ask mac "$http" "$b1"
  [[ $HEARD == "ok $new_mac" ]] && mac_ms=$(($(now_ms) - start))
done
while [[ -z $conn_ms ]] && (($(now_ms) - start < 3000)); do
  answers b1 && conn_ms=$(($(now_ms) - start))
done
[[ -n $mac_ms ]] || fail "the data plane did not take b1's new MAC within 3 s ($HEARD)"
[[ -n $conn_ms ]] || fail "no new connection reached b1 within 3 s of its MAC change"
echo "b1's new MAC: in the data plane after $mac_ms ms, first new connection after $conn_ms ms"
((mac_ms < 1000)) || fail "the new MAC took $mac_ms ms to reach the data plane"
((conn_ms < 1000)) || fail "new connections reached the new MAC only after $conn_ms ms"
pass "IPv$family: MAC change followed in $mac_ms ms (new connections after $conn_ms ms)"

# --- set_config is live ---
ask config 10.9.0.0/24 fd09::/64
wait_for 3 b1_silent ||
  fail "b1 still answers with VLAN prefixes the balancer has no address in"
ask mac "$http" "$b1"
[[ $HEARD == "ok $zero" ]] || fail "b1 still resolved under a foreign VLAN config: $HEARD"
ask config "$NET_LB4/24" "$NET_LB6/64"
start=$(now_ms)
wait_for 3 answers b1 || fail "b1 does not answer after the VLAN config was restored"
echo "restored config: new connections answered after $(($(now_ms) - start)) ms"
pass "IPv$family: set_config takes effect live (foreign VLANs: no traffic; restored: traffic)"

status=0
net_stop "$driver_pid" || status=$?
((status == 0)) || fail "driver exited with $status after SIGTERM"
if nsx lb ip link show eth0 | grep -q xdp; then
  fail "XDP still attached after the driver exited"
fi
pass "IPv$family: driver stopped cleanly, XDP detached"
