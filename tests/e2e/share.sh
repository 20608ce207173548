#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Flow sharing end to end, one address family: two balancers A (lb) and B (lb2), each an
# xvs-e2e-driver on the same bridge, six backends. The client routes the VIP via A.
# Each of two trials:
#  - A and B serve the line port with b1..b3; with sharing on, each runs the flow exchange of
#    examples/balancer towards the other (share PORT SELF KEYFILE PEER, authenticated);
#  - 20 long-lived TCP connections are opened through A and answer;
#  - the backend set becomes b1..b6 on both, so Maglev would move many of those flows;
#  - the client's route moves to B, and every connection sends again.
# With sharing on, all 20 must keep their backend (B places them from A's records), and B
# counts and ignores datagrams that are no records. The control trial without sharing must
# lose some, proving the first trial means something.
#
#   share.sh <xvs-e2e-driver-binary> 4|6
set -euo pipefail
driver=$1
family=$2
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/netns.sh
source "$here/lib/netns.sh"
# shellcheck source=lib/check.sh
source "$here/lib/check.sh"
net_trap

conns=20
flow_port=9470
case $family in
  4) vip=$NET_VIP4 addr=net_b4 a=$NET_LB4 b=10.0.0.3 bits=32 ip=(ip -4) ;;
  6) vip=$NET_VIP6 addr=net_b6 a=$NET_LB6 b=fd00::3 bits=128 ip=(ip -6) ;;
  *) echo "usage: $0 <driver> 4|6" >&2; exit 2 ;;
esac
svc="$vip $NET_LINE_PORT"
first=("$($addr 1)" "$($addr 2)" "$($addr 3)")
all=("${first[@]}" "$($addr 4)" "$($addr 5)" "$($addr 6)")

# ask ACTOR COMMAND...: one driver command that must answer "ok".
ask() {
  local actor=$1
  shift
  actor_say "$actor" "$*"
  actor_hear "$actor" 30
  [[ $HEARD == ok* ]] || fail "$actor: $*: $HEARD"
}

# b_counted WHAT N: B's exchange has counted at least N as WHAT (records, unknown_peer, ...);
# HEARD holds its report.
b_counted() {
  actor_say "$B" shared
  actor_hear "$B" 5
  [[ $HEARD =~ $1\ ([0-9]+) ]] && ((BASH_REMATCH[1] >= $2))
}

# round WORD: one line over every connection; sets NAMES to the answering backends.
round() {
  actor_say "$CHAT" "$1"
  actor_hear "$CHAT" 20
  read -r -a NAMES <<<"$HEARD"
  ((${#NAMES[@]} == conns)) || fail "connections: round $1: '$HEARD'"
}

# Datagrams that are no records (too short; a record of an unknown version) to B.
send_junk() {
  # shellcheck disable=SC2016 # the program is Python
  nsx cl "$NET_PY" -c 'import socket, sys
s = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET, socket.SOCK_DGRAM)
for d in (b"junk", b"XF\x09" + bytes(61)):
    s.sendto(d, (sys.argv[1], int(sys.argv[2])))' "$b" "$flow_port"
}

# trial on|off: runs the scenario; sets KEPT to the connections that kept their backend.
trial() {
  local mode=$1 n i pids=() owners
  actor_start "a-$mode" lb "$driver" eth0 "$NET_LB4/24" "$NET_LB6/64"
  A=a-$mode
  pids+=("$ACTOR_PID")
  actor_start "b-$mode" lb2 "$driver" eth0 10.0.0.3/24 fd00::3/64
  B=b-$mode
  pids+=("$ACTOR_PID")
  for actor in "$A" "$B"; do
    actor_hear "$actor" 30
    [[ $HEARD == ok* ]] || fail "$actor did not start: $HEARD"
    ask "$actor" set "$svc" "${first[@]}"
    ask "$actor" ready "$svc" 30
  done
  if [[ $mode == on ]]; then
    od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$NET_TMP/share.key"
    ask "$A" share "$flow_port" "$a" "$NET_TMP/share.key" "$b"
    ask "$B" share "$flow_port" "$b" "$NET_TMP/share.key" "$a"
  fi
  "${ip[@]}" -n "${NET_PREFIX}cl" route replace "$vip/$bits" via "$a"

  actor_start "chat-$mode" cl "$NET_PY" "$NET_LIB_DIR/multichat.py" "$vip" "$NET_LINE_PORT" \
    "$conns"
  CHAT=chat-$mode
  pids+=("$ACTOR_PID")
  actor_hear "$CHAT" 30
  [[ $HEARD == "connected $conns" ]] || fail "connections through A: $HEARD"
  round one
  owners=("${NAMES[@]}")
  for n in "${owners[@]}"; do [[ $n == b[1-3] ]] || fail "through A: answers '${owners[*]}'"; done
  pass "IPv$family sharing $mode: $conns connections through A on ${owners[*]}"

  if [[ $mode == on ]]; then
    wait_for 15 b_counted records "$conns" || fail "B received too few records from A: $HEARD"
    pass "IPv$family sharing on: B has A's records ($HEARD)"
    send_junk
    # From the client, which is no peer: dropped before any decryption.
    wait_for 5 b_counted unknown_peer 2 || fail "B did not count the 2 stranger's datagrams: $HEARD"
    pass "IPv$family sharing on: B counted and dropped 2 datagrams from a non-peer ($HEARD)"
  fi
  for actor in "$A" "$B"; do
    ask "$actor" set "$svc" "${all[@]}"
    ask "$actor" ready "$svc" 30
  done
  round two
  [[ ${NAMES[*]} == "${owners[*]}" ]] ||
    fail "A's own flow table lost connections after the change: '${NAMES[*]}'"

  "${ip[@]}" -n "${NET_PREFIX}cl" route replace "$vip/$bits" via "$b"
  round three
  round four
  KEPT=0
  for ((i = 0; i < conns; i++)); do
    [[ ${NAMES[i]} == "${owners[i]}" ]] && KEPT=$((KEPT + 1))
  done
  ask "$B" metric shared_hits
  echo "IPv$family sharing $mode: after the move to B, $KEPT of $conns connections kept" \
    "their backend (${NAMES[*]}); B's shared_hits: ${HEARD#ok }"

  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do net_stop "${pids[i]}" || true; done
}

net_up 6
net_host lb2 "$(net_mac 3)" 10.0.0.3 fd00::3
nsx lb2 sysctl -qw net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
wait_for 10 nsx cl ping -c1 -W1 "$b" || fail "the client cannot reach B at $b"

trial on
kept_on=$KEPT
((kept_on == conns)) || fail "with sharing, only $kept_on of $conns connections survived"
pass "IPv$family: with flow sharing, all $conns connections survived the move to B"

trial off
kept_off=$KEPT
((kept_off < conns)) ||
  fail "control: all $conns connections survived without sharing; the test proves nothing"
pass "IPv$family: control without sharing: $kept_off of $conns survived (on: $kept_on)"
