#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Active connections through xvs-e2e-driver: 20 long-lived TCP connections (a keepalive line
# every 3 s) read as 20 (+-2) in the destinations' active_connections and in the "current"
# metric of the service, the VIP and info(), within 60 s; they still do after more than the
# idle period (12 s); once closed the count falls to 0 within the documented bound (15 s
# after the last packet; the test polls every 0.5 s and allows that much on top).
#
#   active.sh <xvs-e2e-driver-binary>
set -euo pipefail
driver=$1
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/netns.sh
source "$here/lib/netns.sh"
# shellcheck source=lib/check.sh
source "$here/lib/check.sh"
net_trap

svc="$NET_VIP4 $NET_LINE_PORT"
conns=20
keepalive=3
bound_ms=15000  # docs/dataplane.md, "Active connections"

ask() {
  actor_say driver "$*"
  actor_hear driver 30
  [[ $HEARD == ok* ]] || fail "driver: $*: $HEARD"
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# keep: one line over every connection; each must be echoed by a backend.
keep() {
  actor_say chat "k$1"
  actor_hear chat 10
  [[ $HEARD != *-* && $(wc -w <<<"$HEARD") -eq $conns ]] ||
    fail "keepalive $1: not every connection answered: '$HEARD'"
}

# counts: sets SUM SVC VIP ALL from the driver; true when all four are within [lo, hi].
counts() {
  local lo=$1 hi=$2 v
  ask active "$svc"
  read -r _ SUM SVC VIP ALL <<<"$HEARD"
  for v in "$SUM" "$SVC" "$VIP" "$ALL"; do ((v >= lo && v <= hi)) || return 1; done
}

net_up 3
driver_start "$driver" eth0 "$NET_LB4/24" "$NET_LB6/64"
ask set "$svc" "$(net_b4 1)" "$(net_b4 2)" "$(net_b4 3)"
ask ready "$svc" 30
counts 0 0 || fail "active connections before any connection: $HEARD"

actor_start chat cl "$NET_PY" "$NET_LIB_DIR/multichat.py" "$NET_VIP4" "$NET_LINE_PORT" "$conns"
chat_pid=$ACTOR_PID
actor_hear chat 30
[[ $HEARD == "connected $conns" ]] || fail "multichat: $HEARD"
start=$(now_ms)
n=0
keep $((n++))
until counts $((conns - 2)) $((conns + 2)); do
  (($(now_ms) - start < 60000)) || fail "active connections did not reach $conns in 60 s: $HEARD"
  sleep 1
  (((n * keepalive * 1000) > $(now_ms) - start)) || keep $((n++))
done
took=$(($(now_ms) - start))
pass "$conns connections after $took ms: active $SUM, current: service $SVC, VIP $VIP, global $ALL"

# Longer than the idle period, kept alive: still counted.
held=$(now_ms)
while (($(now_ms) - held < 14000)); do
  sleep "$keepalive"
  keep $((n++))
done
counts $((conns - 2)) $((conns + 2)) || fail "kept-alive connections not counted after 14 s: $HEARD"
pass "after 14 s of keepalives: active $SUM, current: service $SVC, VIP $VIP, global $ALL"

# Closing stdin ends multichat, which closes every connection.
eval "exec ${ACTOR_IN[chat]}>&-"
wait_for 10 net_gone "$chat_pid" || fail "multichat did not exit"
closed=$(now_ms)
until counts 0 0; do
  (($(now_ms) - closed < bound_ms + 2000)) || fail "active connections still $HEARD after close"
  sleep 0.5
done
took=$(($(now_ms) - closed))
((took <= bound_ms + 500)) ||
  fail "active connections fell to 0 only after $took ms (bound $bound_ms)"
pass "closed: active connections 0 after $took ms (bound $bound_ms ms)"

status=0
net_stop "$driver_pid" || status=$?
((status == 0)) || fail "driver exited with $status after SIGTERM"
pass "driver stopped cleanly"
