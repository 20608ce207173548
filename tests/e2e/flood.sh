#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Floods end to end, one address family, through xvs-e2e-driver with a small flow table
# (1024 entries per CPU). 30 long-lived TCP connections are made to b1..b3; then the service
# gets b1..b6, so Maglev alone would move about half of them.
#  - SYN flood: far more SYNs than the table holds, from random sources and ports, to the
#    VIP. Every connection keeps answering from its first backend during the flood (a line on
#    each, over and over while it runs) and after it; the `syn` counter saw the flood, `flows`
#    did not move (a SYN creates no flow entry).
#  - ACK flood (the flood guard): the same with ACKs, each of which is a new flow (`flows`
#    moves by the flood). The flood only replaces entries that saw one packet, or is refused
#    (`flows_refused`), so every connection keeps answering from its first backend during
#    and after it, although Maglev alone would move about half of them. New connections are
#    served after the floods.
#
#   flood.sh <xvs-e2e-driver-binary> 4|6
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
  *) echo "usage: $0 <xvs-e2e-driver> 4|6" >&2; exit 2 ;;
esac
svc="$vip $NET_LINE_PORT"
conns=30
flows_per_cpu=1024
cpus=$(nproc)
table=$((flows_per_cpu * $(nproc --all)))  # per possible CPU, as the library sizes it
flood=$((table * 100))  # SYNs: 100 times what the whole flow table holds
seconds=15             # upper bound of each flood

ask() {
  actor_say driver "$*"
  actor_hear driver 30
  [[ $HEARD == ok* ]] || fail "driver: $*: $HEARD"
}

# metric NAME: sets METRIC to the value of Client::info().metrics[NAME].
metric() {
  ask metric "$1"
  METRIC=${HEARD#ok }
}

# round WORD: one line over every connection; sets NAMES to the answering backends ("-": none).
round() {
  actor_say chat "$1"
  actor_hear chat 20
  read -r -a NAMES <<<"$HEARD"
  ((${#NAMES[@]} == conns)) || fail "connections: round $1: '$HEARD'"
}

# kept: how many connections answered from their first backend in the last round.
kept() {
  local i n=0
  for ((i = 0; i < conns; i++)); do [[ ${NAMES[i]} == "${OWNERS[i]}" ]] && n=$((n + 1)); done
  echo "$n"
}

# flood_run syn|ack COUNT: the flood from the client's namespace, one sender pinned to each
# CPU (the data plane runs on the sender's CPU here: every CPU writes the shared table).
flood_run() {
  local cpu
  FLOOD_PIDS=()
  for ((cpu = 0; cpu < cpus; cpu++)); do
    net_spawn cl "$NET_TMP/flood-$1-$cpu.log" taskset -c "$cpu" "$NET_PY" \
      "$NET_LIB_DIR/flood.py" eth0 "$(net_mac 2)" "$vip" "$NET_LINE_PORT" $(($2 / cpus)) \
      "$seconds" "$1"
    FLOOD_PIDS+=("$NET_PID")
  done
}

flooding() {
  local pid
  for pid in "${FLOOD_PIDS[@]}"; do net_gone "$pid" || return 0; done
  return 1
}

# flood_wait syn|ack: waits for every sender; sets SENT to the sum they sent.
flood_wait() {
  local cpu log n
  SENT=0
  for ((cpu = 0; cpu < cpus; cpu++)); do
    log=$NET_TMP/flood-$1-$cpu.log
    wait_for $((seconds + 10)) net_gone "${FLOOD_PIDS[cpu]}" || fail "the $1 flood did not end"
    wait "${FLOOD_PIDS[cpu]}" || fail "the $1 flood failed: $(cat "$log")"
    n=$(sed -n 's/^sent \([0-9]*\) in .*/\1/p' "$log")
    SENT=$((SENT + n))
    echo "$1 flood, CPU $cpu: $(cat "$log")"
  done
}

# flood_keeping syn|ack COUNT NAME: runs the flood with a round over every connection again
# and again while it lasts and once after; each round must find every connection on its
# first backend. Sets SENT (flood_wait) and ROUNDS (rounds during the flood).
flood_keeping() {
  flood_run "$1" "$2"
  ROUNDS=0
  while flooding; do
    round "$1$ROUNDS"
    (($(kept) == conns)) || fail "during the $3 flood: only $(kept) of $conns kept: ${NAMES[*]}"
    ROUNDS=$((ROUNDS + 1))
  done
  flood_wait "$1"
  ((ROUNDS >= 1)) || fail "the $3 flood ended before one round could run during it"
  ((SENT > table)) || fail "the $3 flood sent only $SENT packets (table $table)"
  round "after-$1"
  (($(kept) == conns)) || fail "after the $3 flood: only $(kept) of $conns kept: ${NAMES[*]}"
}

net_up 6
driver_start "$driver" -f "$flows_per_cpu" eth0 "$NET_LB4/24" "$NET_LB6/64"
ask set "$svc" "$($addr 1)" "$($addr 2)" "$($addr 3)"
ask ready "$svc" 30

actor_start chat cl "$NET_PY" "$NET_LIB_DIR/multichat.py" "$vip" "$NET_LINE_PORT" "$conns"
actor_hear chat 30
[[ $HEARD == "connected $conns" ]] || fail "multichat: $HEARD"
round first
OWNERS=("${NAMES[@]}")
for name in "${OWNERS[@]}"; do [[ $name == b[1-3] ]] || fail "first answers: ${OWNERS[*]}"; done

ask set "$svc" "$($addr 1)" "$($addr 2)" "$($addr 3)" "$($addr 4)" "$($addr 5)" "$($addr 6)"
ask ready "$svc" 30
round changed
(($(kept) == conns)) || fail "backends b1..b6: only $(kept) of $conns kept before any flood"
pass "IPv$family: $conns connections on b1..b3 keep their backend after the change to b1..b6"

metric syn
syn0=$METRIC
metric flows
flows0=$METRIC
flood_keeping syn "$flood" SYN
metric syn
syns=$((METRIC - syn0))
metric flows
new_flows=$((METRIC - flows0))
((syns >= SENT)) || fail "syn counter moved by $syns, fewer than the $SENT SYNs sent"
((new_flows == 0)) || fail "the SYN flood created $new_flows flow entries"
pass "IPv$family: SYN flood of $SENT (table $table): all $conns connections kept their" \
  "backend in $ROUNDS rounds during it and after it; syn +$syns, flows +$new_flows"

# ACKs do create flow entries: `flows` moves by the flood. Established entries (the
# connections', each hit by many packets) are not replaced by it (docs/dataplane.md, the flood
# guard), so no connection may move or be reset, during the flood or after it.
metric flows
flows0=$METRIC
metric flows_refused
refused0=$METRIC
flood_keeping ack "$((table * 32))" ACK
metric flows
new_flows=$((METRIC - flows0))
metric flows_refused
refused=$((METRIC - refused0))
((new_flows >= SENT)) || fail "ACK flood of $SENT: flows moved by only $new_flows"
pass "IPv$family: ACK flood of $SENT (table $table): all $conns connections kept their" \
  "backend in $ROUNDS rounds during it and after it; flows +$new_flows, refused +$refused"
line_names cl "$vip" 6 >"$NET_TMP/new.txt"
! grep -qx FAIL "$NET_TMP/new.txt" ||
  fail "new connections after the floods: $(tally "$NET_TMP/new.txt")"
pass "IPv$family: new connections after the floods: $(tally "$NET_TMP/new.txt")"

status=0
net_stop "$driver_pid" || status=$?
((status == 0)) || fail "driver exited with $status after SIGTERM"
