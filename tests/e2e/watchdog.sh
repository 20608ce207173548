#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The watchdog end to end through the real examples/balancer (layer-2 DSR, IPv4 or IPv6):
#  - with the balancer frozen (SIGSTOP) the data plane keeps forwarding at first: the VIP
#    answers 5 s into the freeze;
#  - once the heartbeat is older than XVS_WATCHDOG_NS (60 s) VIP traffic falls back to the
#    kernel (which, not owning the VIP and not forwarding, drops it): the VIP stops answering,
#    not before 59 s into the freeze and by 75 s;
#  - after SIGCONT the next heartbeat (about a second) brings forwarding back.
# It waits for the real 60 s period, so it is not registered with ctest: docs/reliability.md
# gives the command.
#
#   watchdog.sh <balancer-binary> 4|6
set -euo pipefail
balancer=$1
family=$2
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/netns.sh
source "$here/lib/netns.sh"
# shellcheck source=lib/check.sh
source "$here/lib/check.sh"
net_trap

case $family in
  4) vip=$NET_VIP4 url="http://$NET_VIP4/" prefix="$NET_LB4/24"
     rips=("$(net_b4 1)" "$(net_b4 2)") ;;
  6) vip=$NET_VIP6 url="http://[$NET_VIP6]/" prefix="$NET_LB6/64"
     rips=("$(net_b6 1)" "$(net_b6 2)") ;;
  *) echo "usage: $0 <balancer> 4|6" >&2; exit 2 ;;
esac

answers() { nsx cl curl -gsS --noproxy '*' --max-time 1 "$url" >/dev/null 2>&1; }
seconds_since() { echo $((($(date +%s%N) - $1) / 1000000000)); }

net_up 2
log=$NET_TMP/balancer.log
CHECK_LOGS+=("$log")
net_spawn lb "$log" "$balancer" -i 1 eth0 "$prefix" "$vip" "${rips[@]}"
balancer_pid=$NET_PID
wait_line 30 "$balancer_pid" "$log" '^ready after' ||
  fail "balancer not ready (exited, or 30 s passed)"
wait_for 10 answers || fail "the VIP does not answer with the balancer running"

kill -STOP "$balancer_pid"
stopped=$(date +%s%N)
sleep 5
answers || fail "the VIP stopped answering 5 s into the freeze (before the watchdog period)"
pass "IPv$family: 5 s into the freeze the data plane still forwards"

until ! answers; do
  (($(seconds_since "$stopped") < 75)) || fail "the VIP still answers 75 s into the freeze"
  sleep 1
done
fell=$(seconds_since "$stopped")
((fell >= 59)) || fail "traffic fell back after only $fell s (the period is 60 s)"
for _ in 1 2 3; do
  if answers; then fail "the VIP answered again while the balancer was still frozen"; fi
done
pass "IPv$family: traffic fell back to the kernel $fell s into the freeze"

kill -CONT "$balancer_pid"
wait_for 10 answers || fail "forwarding did not resume within 10 s of SIGCONT"
pass "IPv$family: forwarding resumed after SIGCONT"

net_stop "$balancer_pid" || fail "balancer exited with an error after SIGTERM"
