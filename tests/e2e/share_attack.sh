#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Flow sharing under attack (docs/scale-out.md, "Flow sharing"): forged, replayed and flooded
# datagrams sent at a live xvsd's flow-sharing socket are counted by the check that drops
# them, write no flow, and leave the daemon responsive.
#
#   cl (client 10.0.0.1, the stranger) ─┐
#   lb  = A 10.0.0.2: xvsd, the target  ├ bridge ─ b1, b2 backends
#   lb2 = B 10.0.0.3: xvsd, A's peer    ┘
#
# A and B share flows (rate 1000 datagrams/s per peer, bursts of 100). The client keeps
# $conns connections through A (the victims) and one through B, whose records B shares with
# A; one such records datagram is captured on B's interface on its way to A. Then:
#  - from the client's address (no peer): random bytes, datagrams sealed with the right key,
#    and the captured datagram: every one counted unknown_peer;
#  - from B's address: datagrams sealed with a wrong key (forged), random bytes (malformed),
#    the captured datagram again (replayed);
#  - a 3 s flood of random bytes from the client, and one of wrong-key datagrams from B's
#    address: every datagram is either counted (unknown_peer; rate_limited or forged) or
#    dropped by the kernel at the full socket buffer (its drops counter), while /metrics
#    answers, the health checks keep running and the victims keep their backends.
# Throughout, A writes no record beyond the ones B really sent.
#
#   share_attack.sh <xvsd-binary> <xvs-e2e-share-seal-binary>
set -euo pipefail
xvsd=$1 seal=$2
here=$(cd "$(dirname "$0")" && pwd)
[[ $(id -u) -eq 0 ]] || { echo "SKIPPED: needs root"; exit 77; }
[[ -x $xvsd && -x $seal ]] || { echo "SKIPPED: no xvsd or xvs-e2e-share-seal binary"; exit 77; }
# shellcheck source=lib/netns.sh
source "$here/lib/netns.sh"
# shellcheck source=lib/check.sh
source "$here/lib/check.sh"
net_trap

a=$NET_LB4 b=10.0.0.3 stranger=$NET_CLIENT4 port=9470
vip=$NET_VIP4 vip2=192.0.2.2   # vip through A (the victims), vip2 through B
conns=6 group=50 flood_s=3
net_up 2
net_host lb2 "$(net_mac 3)" "$b" fd00::3
nsx lb2 sysctl -qw net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
for i in 1 2; do ip -n "${NET_PREFIX}b$i" addr add "$vip2/32" dev lo; done
ip -n "${NET_PREFIX}cl" route add "$vip2/32" via "$b"

od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$NET_TMP/share.key"
od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$NET_TMP/wrong.key"

# balancer NAME ROLE ADDRESS PEER: xvsd with flow sharing in ROLE's namespace.
balancer() {
  cat >"$NET_TMP/$1.yaml" <<YAML
vlans:
  1: $3/24
flow_sharing:
  address: $3
  peers: [$4]
  key_file: $NET_TMP/share.key
  port: $port
  rate: 1000
  burst: 100
  peer_wait: 0
services:
  - name: chat
    virtual: $vip
    servers: [$(net_b4 1), $(net_b4 2)]
    interval: 0.5
    timeout: 0.4
    policy:
      $NET_LINE_PORT:
        checks: [{type: syn}]
  - name: side
    virtual: $vip2
    servers: [$(net_b4 1), $(net_b4 2)]
    interval: 0.5
    timeout: 0.4
    policy:
      $NET_LINE_PORT:
        checks: [{type: syn}]
YAML
  net_spawn "$2" "$NET_TMP/$1.log" "$xvsd" "$NET_TMP/$1.yaml" eth0 --webserver "$3:8080"
  CHECK_LOGS+=("$NET_TMP/$1.log")
}
balancer A lb "$a" "$b"
A_PID=$NET_PID
balancer B lb2 "$b" "$a"

# scrape: A's /metrics into $NET_TMP/metrics (fails when it does not answer within 2 s).
scrape() {
  nsx lb curl -gsf --noproxy '*' --max-time 2 "http://$a:8080/metrics" >"$NET_TMP/metrics.new" &&
    mv "$NET_TMP/metrics.new" "$NET_TMP/metrics"
}
# value SAMPLE: its value in the latest scrape (0 when absent; no spaces in SAMPLE).
value() { awk -v k="$1" '$1 == k { v = $2 } END { print v + 0 }' "$NET_TMP/metrics"; }
rejected() { value "xvsd_flow_sharing_rejected_datagrams_total{reason=\"$1\"}"; }
written() { value xvsd_flow_sharing_written_records_total; }
# is WANT CMD...: after a fresh scrape, CMD prints WANT.
is() {
  local want=$1
  shift
  scrape && [[ $("$@") == "$want" ]]
}
# A's flow-sharing socket: the kernel's count of datagrams dropped at its full buffer.
socket_drops() {
  nsx lb cat /proc/net/udp | awk -v p=":$(printf '%04X' "$port")" \
    'index($2, p) == length($2) - length(p) + 1 { print $NF }'
}

wait_for 30 is 1 value "xvsd_flow_sharing_peer_alive{peer=\"$b\"}" ||
  fail "A never heard its peer B"
wait_for 20 bash -c "grep -q 'event=vip_up vip=$vip2' '$NET_TMP/A.log' &&
                     grep -q 'event=vip_up vip=$vip2' '$NET_TMP/B.log'" ||
  fail "the services did not come up"
pass "A and B share flows (A hears B)"

# The victims, through A; their backends are what must not change.
actor_start chat cl "$NET_PY" "$NET_LIB_DIR/multichat.py" "$vip" "$NET_LINE_PORT" "$conns"
actor_hear chat 20
[[ $HEARD == "connected $conns" ]] || fail "victims: $HEARD"
round() {
  actor_say chat "$1"
  actor_hear chat 20
  [[ $HEARD == "$FIRST" ]] || fail "round $1: victims answered '$HEARD', at first '$FIRST'"
}
actor_say chat one
actor_hear chat 20
FIRST=$HEARD
[[ " $FIRST " != *" - "* ]] || fail "a victim did not answer: $FIRST"

# A records datagram of B's, captured on its way to A ("XVF1", kind 1).
actor_start capture lb2 "$NET_PY" "$NET_LIB_DIR/udp_capture.py" eth0 "$b" "$a" "$port" \
  5856463101 20
actor_hear capture 10
[[ $HEARD == capturing ]] || fail "capture: $HEARD"
actor_start side cl "$NET_PY" "$NET_LIB_DIR/multichat.py" "$vip2" "$NET_LINE_PORT" 1
actor_hear side 20
[[ $HEARD == "connected 1" ]] || fail "connection through B: $HEARD"
actor_say side hello
actor_hear side 20
[[ $HEARD != "-" ]] || fail "the connection through B did not answer"
actor_hear capture 20
[[ $HEARD =~ ^5856463101[0-9a-f]+$ ]] || fail "no records datagram from B captured: $HEARD"
echo "$HEARD" >"$NET_TMP/captured.hex"
# A wrote B's records; the side connection is idle now, so B sends no more.
stable_records() {
  scrape && local w1 && w1=$(written) && sleep 1 && scrape && ((w1 > 0 && $(written) == w1))
}
wait_for 20 stable_records || fail "A did not take B's records (written: $(written))"
pass "captured one of B's records datagrams ($(($(wc -c <"$NET_TMP/captured.hex") / 2)) bytes); A wrote $(written) records from B"

"$seal" "$NET_TMP/share.key" "$stranger" records "$group" >"$NET_TMP/stranger.hex"
"$seal" "$NET_TMP/wrong.key" "$b" records 256 >"$NET_TMP/wrong.hex"

declare -A BASE
baseline() {
  scrape || fail "/metrics did not answer"
  local r
  for r in malformed unknown_peer rate_limited forged replayed; do BASE[$r]=$(rejected "$r"); done
  BASE[written]=$(written)
  BASE[accepted]=$(value xvsd_flow_sharing_accepted_datagrams_total)
  BASE[refused]=$(value xvsd_flow_sharing_refused_records_total)
  BASE[flows]=$(value xvsd_flows_total)
  BASE[drops]=$(socket_drops)
}
# expect_only REASON N: after the datagrams just sent, REASON grew by exactly N and no other
# rejection, no written or refused record and no new data-plane flow appeared.
expect_only() {
  local reason=$1 n=$2 r want
  wait_for 10 is $((BASE[$reason] + n)) rejected "$reason" ||
    fail "$reason: $(rejected "$reason") after ${BASE[$reason]} + $n sent"
  for r in malformed unknown_peer rate_limited forged replayed; do
    [[ $r == "$reason" ]] && want=$((BASE[$r] + n)) || want=${BASE[$r]}
    (($(rejected "$r") == want)) || fail "$r is $(rejected "$r"), expected $want"
  done
  (($(written) == BASE[written])) || fail "A wrote records: $(written), before ${BASE[written]}"
  (($(value xvsd_flow_sharing_refused_records_total) == BASE[refused])) || fail "records refused"
  (($(value xvsd_flows_total) == BASE[flows])) || fail "new data-plane flows appeared"
}
# send ROLE SRC SOURCE N: N datagrams (udp_send.py SOURCE) from SRC in ROLE's namespace to A.
send() {
  local out
  out=$(nsx "$1" "$NET_PY" "$NET_LIB_DIR/udp_send.py" "$2" "$a" "$port" "$4" 30 "$3") ||
    fail "sending from $2: $out"
  [[ $out == "sent $4" ]] || fail "sending from $2: $out"
}

# From a stranger's address: dropped before any decryption, whatever the datagram holds.
for what in random "$NET_TMP/stranger.hex" "$NET_TMP/captured.hex"; do
  baseline
  send cl "$stranger" "$what" "$group"
  expect_only unknown_peer "$group"
done
pass "from $stranger (no peer): $group random, $group sealed with the right key, $group replays of B's datagram: all $((3 * group)) counted unknown_peer, nothing written"

# From B's address.
baseline
send lb2 "$b" "$NET_TMP/wrong.hex" "$group"
expect_only forged "$group"
baseline
send lb2 "$b" random "$group"
expect_only malformed "$group"
baseline
send lb2 "$b" "$NET_TMP/captured.hex" "$group"
expect_only replayed "$group"
pass "from B's address $b: $group sealed with a wrong key counted forged, $group random counted malformed, $group replays of B's captured datagram counted replayed; nothing written"
round two

# flood ROLE SRC SOURCE: $flood_s seconds as fast as one socket goes; meanwhile /metrics must
# answer every time, the health checks run and the victims keep their backends. Sets SENT,
# SCRAPES and SLOWEST (seconds).
flood() {
  local started t0 t1 ms checks_before
  B_BEFORE=$(peer_sent)
  baseline
  checks_before=$(awk '$1 ~ /^xvsd_check_last_run_timestamp_seconds/ { print $NF }' \
    "$NET_TMP/metrics" | sort -n | tail -n 1)
  started=$(date +%s%N)
  actor_start "flood$1" "$1" "$NET_PY" "$NET_LIB_DIR/udp_send.py" "$2" "$a" "$port" \
    100000000 "$flood_s" "$3"
  SCRAPES=0 SLOWEST=0
  while (($(date +%s%N) - started < flood_s * 1000000000 - 300000000)); do
    t0=$(date +%s%N)
    scrape || fail "/metrics did not answer within 2 s during the flood"
    t1=$(date +%s%N)
    ms=$(((t1 - t0) / 1000000))
    ((ms <= SLOWEST)) || SLOWEST=$ms
    SCRAPES=$((SCRAPES + 1))
    sleep 0.2
  done
  # The checks ran during the flood: the latest check result is newer than before it.
  awk -v before="$checks_before" '$1 ~ /^xvsd_check_last_run_timestamp_seconds/ &&
    $NF > before { found = 1 } END { exit !found }' "$NET_TMP/metrics" ||
    fail "no health check ran during the flood: latest before $checks_before, now $(grep '^xvsd_check_last_run' "$NET_TMP/metrics" | tr '\n' ' ')"
  grep -q '^xvsd_backend_healthy{.*} 1$' "$NET_TMP/metrics" &&
    ! grep -q '^xvsd_backend_healthy{.*} 0$' "$NET_TMP/metrics" ||
    fail "a backend was taken out of service during the flood"
  round "flood$1"
  actor_hear "flood$1" $((flood_s + 20))
  [[ $HEARD =~ ^sent\ ([0-9]+)$ ]] || fail "flood from $2: $HEARD"
  SENT=${BASH_REMATCH[1]}
  SLOWEST=$(awk -v ms="$SLOWEST" 'BEGIN { printf "%.3f", ms / 1000 }')
}
# outcomes: what A did with every datagram since the baseline: counted under some check,
# accepted, or dropped by the kernel at the full socket buffer.
outcomes() {
  local r n=$(($(socket_drops) - BASE[drops] + $(value xvsd_flow_sharing_accepted_datagrams_total) - BASE[accepted]))
  for r in malformed unknown_peer rate_limited forged replayed; do
    n=$((n + $(rejected "$r") - BASE[$r]))
  done
  echo "$n"
}
# B's datagrams to A (its hellos) also arrive during a flood, and some are dropped with it.
peer_sent() {
  nsx lb2 curl -gsf --noproxy '*' --max-time 2 "http://$b:8080/metrics" |
    awk '$1 == "xvsd_flow_sharing_sent_datagrams_total" { print $2 }'
}
all_arrived() { scrape && (($(outcomes) >= SENT)); }
# accounted NAME: every datagram of the flood has an outcome, and no more datagrams have one
# than the flood's and B's own: EXTRA (B's, of B_SENT sent meanwhile).
accounted() {
  wait_for 10 all_arrived || fail "$1: sent $SENT, only $(outcomes) accounted for"
  B_SENT=$(($(peer_sent) - B_BEFORE))
  EXTRA=$(($(outcomes) - SENT))
  ((EXTRA <= B_SENT)) || fail "$1: $EXTRA datagrams more than sent (B sent $B_SENT)"
}
dropped() { echo $(($(socket_drops) - BASE[drops])); }
delta() { echo $(($(rejected "$1") - BASE[$1])); }

flood cl "$stranger" random
accounted "flood from $stranger"
expect_only unknown_peer "$(delta unknown_peer)"
pass "flood from $stranger: sent $SENT in ${flood_s} s; counted unknown_peer $(delta unknown_peer), dropped at the full socket buffer $(dropped), plus $EXTRA outcomes for the $B_SENT datagrams B sent meanwhile; /metrics answered $SCRAPES/$SCRAPES (slowest ${SLOWEST} s), checks ran, victims kept their backends, nothing written"

flood lb2 "$b" "$NET_TMP/wrong.hex"
accounted "flood from B's address"
limited=$(delta rate_limited) forged=$(delta forged)
for r in malformed unknown_peer replayed; do
  (($(delta "$r") == 0)) || fail "flood from B's address: $r grew by $(delta "$r")"
done
((limited > 0)) || fail "the flood from B's address was never rate-limited"
# At most the burst plus the rate over the flood (and a second's slack) reach decryption.
((forged <= 100 + 1000 * (flood_s + 1))) || fail "$forged datagrams were decrypted"
(($(written) == BASE[written])) || fail "A wrote records during the flood"
pass "flood from B's address $b with a wrong key: sent $SENT in ${flood_s} s; rate_limited $limited, forged (decrypted and refused) $forged, dropped at the full socket buffer $(dropped), plus $EXTRA outcomes for the $B_SENT datagrams B sent meanwhile; /metrics answered $SCRAPES/$SCRAPES (slowest ${SLOWEST} s), checks ran, nothing written"

# Afterwards B is heard again and the victims still answer from their backends.
wait_for 10 is 1 value "xvsd_flow_sharing_peer_alive{peer=\"$b\"}" ||
  fail "A does not hear B again after the flood"
round three
kill -0 "$A_PID" || fail "A died"
pass "after the attacks A hears B again, all $conns victims answer from their first backends"
