#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# End to end with xvs-e2e-driver changing the backend set at run time, one address family.
# One long-lived TCP connection (client -> VIP line port) must keep reaching the same backend
#  - after a 4th backend is added (while new connections do reach the 4th), and
#  - after its own backend is disabled (while new connections no longer reach it);
# then the service is removed: the old connection and new ones get no answer.
#
#   persist.sh <xvs-e2e-driver-binary> 4|6
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
  4) vip=$NET_VIP4 addr=net_b4 ;;
  6) vip=$NET_VIP6 addr=net_b6 ;;
  *) echo "usage: $0 <driver> 4|6" >&2; exit 2 ;;
esac
svc="$vip $NET_LINE_PORT"

# ask COMMAND...: one driver command that must answer "ok".
ask() {
  actor_say driver "$*"
  actor_hear driver 30
  [[ $HEARD == ok* ]] || fail "driver: $*: $HEARD"
}

# say LINE: over the long-lived connection; the answer must come from backend $own.
say() {
  actor_say conn "$1"
  actor_hear conn 10
  [[ $HEARD == "$own $1" ]] || fail "long-lived connection to $own: sent '$1', got '$HEARD'"
}

net_up 4
driver_start "$driver" eth0 "$NET_LB4/24" "$NET_LB6/64"
ask set "$svc" "$($addr 1)" "$($addr 2)" "$($addr 3)"
ask ready "$svc" 30

actor_start conn cl "$NET_PY" "$NET_LIB_DIR/linechat.py" "$vip" "$NET_LINE_PORT"
conn_pid=$ACTOR_PID
actor_hear conn 10
[[ $HEARD == connected ]] || fail "long-lived connection: $HEARD"
actor_say conn "one"
actor_hear conn 10
[[ $HEARD =~ ^(b[1-3])\ one$ ]] || fail "long-lived connection: first answer '$HEARD'"
own=${BASH_REMATCH[1]}
own_rip=$($addr "${own#b}")
pass "IPv$family: long-lived connection established to $own ($own_rip)"

ask add "$svc" "$($addr 4)"
ask ready "$svc" 30
say "two"
line_names cl "$vip" 40 >"$NET_TMP/added"
counts=$(tally "$NET_TMP/added")
grep -qx FAIL "$NET_TMP/added" && fail "new connections failed after adding b4: $counts"
grep -qx b4 "$NET_TMP/added" || fail "no new connection reached the added b4: $counts"
pass "IPv$family: b4 added: new connections $counts; the long-lived one still on $own"

ask disable "$svc" "$own_rip"
say "three"
line_names cl "$vip" 40 >"$NET_TMP/disabled"
counts=$(tally "$NET_TMP/disabled")
grep -qx FAIL "$NET_TMP/disabled" && fail "new connections failed after disabling $own: $counts"
grep -qx "$own" "$NET_TMP/disabled" && fail "disabled $own still got new connections: $counts"
pass "IPv$family: $own disabled: new connections $counts; the long-lived one still on $own"

ask remove "$svc"
actor_say conn "four"
actor_hear conn 10
[[ $HEARD == timeout || $HEARD == closed* ]] ||
  fail "long-lived connection answered after the service was removed: '$HEARD'"
line_names cl "$vip" 1 >"$NET_TMP/removed"
[[ $(cat "$NET_TMP/removed") == FAIL ]] ||
  fail "a new connection was answered after the service was removed"
pass "IPv$family: service removed: the long-lived connection and a new one get no answer"

status=0
net_stop "$conn_pid" || true
net_stop "$driver_pid" || status=$?
((status == 0)) || fail "driver exited with $status after SIGTERM"
if nsx lb ip link show eth0 | grep -q xdp; then
  fail "XDP still attached after the driver exited"
fi
pass "IPv$family: driver stopped cleanly, XDP detached"
