#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Balancer restarts that keep established connections, end to end through the real
# examples/balancer, one address family. In each case 20 long-lived TCP connections go
# through a balancer serving b1..b3, the balancer process ends (SIGTERM: clean exit; SIGKILL:
# its XDP program is left attached), a new one starts, and every connection sends again:
#  - same backends, no pinning, SIGTERM and SIGKILL: all keep their backend (Maglev gives
#    the same answer; after SIGKILL the new process replaces the leftover program);
#  - backends b1..b6 after the restart, flow tables pinned (--pin), SIGKILL and SIGTERM: all
#    keep their backend (the kept flow entries are re-bound by address);
#  - control: b1..b6 after a SIGKILL without pinning: some connections break.
#
#   restart.sh <balancer-binary> 4|6
set -euo pipefail
balancer=$1
family=$2
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/netns.sh
source "$here/lib/netns.sh"
# shellcheck source=lib/check.sh
source "$here/lib/check.sh"

conns=20
case $family in
  4) vip=$NET_VIP4 addr=net_b4 prefix="$NET_LB4/24" ;;
  6) vip=$NET_VIP6 addr=net_b6 prefix="$NET_LB6/64" ;;
  *) echo "usage: $0 <balancer> 4|6" >&2; exit 2 ;;
esac
first=("$($addr 1)" "$($addr 2)" "$($addr 3)")
all=("${first[@]}" "$($addr 4)" "$($addr 5)" "$($addr 6)")

# A BPF filesystem of our own for the pins (the host may have none at /sys/fs/bpf, and
# "ip netns exec" hides the host's /sys anyway). Mounted here, it is visible in every
# namespace's "ip netns exec" and goes away with the test.
bpffs=$(mktemp -d /tmp/xvs-pins.XXXXXX)
mount -t bpf bpf "$bpffs"
cleanup() {
  net_down
  umount "$bpffs" 2>/dev/null || true
  rmdir "$bpffs" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start NAME [balancer options and arguments]: a balancer on lb's eth0; sets LB_PID, LB_LOG.
start() {
  local name=$1
  shift
  LB_LOG=$NET_TMP/$name.log
  CHECK_LOGS+=("$LB_LOG")
  net_spawn lb "$LB_LOG" "$balancer" -i 1 -p "$NET_LINE_PORT" -f 65536 "$@"
  LB_PID=$NET_PID
  wait_line 30 "$LB_PID" "$LB_LOG" '^ready after' || fail "balancer $name not ready"
}

# end TERM|KILL: ends the running balancer.
end() {
  if [[ $1 == KILL ]]; then
    kill -KILL "$LB_PID"
    wait "$LB_PID" 2>/dev/null || true
    nsx lb ip link show eth0 | grep -q xdp || fail "no XDP program left after SIGKILL"
  else
    net_stop "$LB_PID" || fail "balancer exited with an error after SIGTERM"
  fi
}

# round WORD: one line over every connection; sets NAMES to the answering backends.
round() {
  actor_say "$CHAT" "$1"
  actor_hear "$CHAT" 20
  read -r -a NAMES <<<"$HEARD"
  ((${#NAMES[@]} == conns)) || fail "connections: round $1: '$HEARD'"
}

xdp_id() { nsx lb ip -d link show eth0 | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p'; }

# scenario NAME TERM|KILL pin|nopin same|changed: sets KEPT, and REBOUND (the new
# balancer's flows_rebound).
scenario() {
  local name=$1 signal=$2 pin=$3 set=$4 pins=() rips=("${first[@]}") owners i chat_pid old_id
  [[ $pin == pin ]] && pins=(--pin "$bpffs/$name")
  [[ $set == changed ]] && rips=("${all[@]}")

  start "$name-1" "${pins[@]}" eth0 "$prefix" "$vip" "${first[@]}"
  actor_start "chat-$name" cl "$NET_PY" "$NET_LIB_DIR/multichat.py" "$vip" "$NET_LINE_PORT" \
    "$conns"
  CHAT=chat-$name
  chat_pid=$ACTOR_PID
  actor_hear "$CHAT" 30
  [[ $HEARD == "connected $conns" ]] || fail "$name: connections: $HEARD"
  round one
  owners=("${NAMES[@]}")
  for i in "${owners[@]}"; do [[ $i == b[1-3] ]] || fail "$name: answers '${owners[*]}'"; done

  old_id=$(xdp_id)
  end "$signal"
  start "$name-2" "${pins[@]}" eth0 "$prefix" "$vip" "${rips[@]}"
  [[ $(xdp_id) != "$old_id" ]] || fail "$name: the new balancer did not replace XDP program $old_id"
  round two
  round three
  KEPT=0
  for ((i = 0; i < conns; i++)); do
    [[ ${NAMES[i]} == "${owners[i]}" ]] && KEPT=$((KEPT + 1))
  done
  net_stop "$chat_pid" || true
  end TERM  # its last statistics count the flow entries re-bound after the restart
  REBOUND=$(grep -o 'flows_rebound [0-9]*' "$LB_LOG" | tail -n1 | cut -d' ' -f2 || true)
  echo "IPv$family $name (SIG$signal, $pin, $set backends): $KEPT of $conns connections kept" \
    "their backend (${NAMES[*]}); flows_rebound ${REBOUND:-0}"
}

net_up 6
for signal in TERM KILL; do
  scenario "same-$signal" "$signal" nopin same
  ((KEPT == conns)) || fail "unchanged backends, SIG$signal: only $KEPT of $conns kept"
  pass "IPv$family: unchanged backends, SIG$signal, no pinning: all $conns connections kept"
done
for signal in KILL TERM; do
  scenario "pinned-$signal" "$signal" pin changed
  ((KEPT == conns)) || fail "changed backends, pinned, SIG$signal: only $KEPT of $conns kept"
  ((${REBOUND:-0} >= conns)) || fail "pinned, SIG$signal: only ${REBOUND:-0} flow entries re-bound"
  pass "IPv$family: changed backends, SIG$signal, pinned flow tables: all $conns connections kept"
done
scenario control KILL nopin changed
((KEPT < conns)) || fail "control: all $conns kept without pinning; the test proves nothing"
pass "IPv$family: control (changed backends, SIGKILL, no pinning): $KEPT of $conns kept"
