#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Scale-out lab (docs/scale-out.md): two xvsd balancers behind a BIRD router that spreads
# the VIP's traffic over both with ECMP.
#
#   out (client 10.9.0.1) ── rt (BIRD, ECMP, 10.9.0.254 / 10.0.0.254) ── bridge ──┬ lb  = A 10.0.0.2
#                                                                                 ├ lb2 = B 10.0.0.3
#                                                                                 └ b1..b3 backends
# Each balancer runs BIRD (iBGP to the router, hold time 3 s) and xvsd, which announces its
# healthy VIPs through BIRD (its config's bird: section) and shares flows with the other
# (flow_sharing:); --drain on the command line overrides the file's.
# Backends answer the client directly (DSR) through the router.
#
# The IPv6 half: every balancer also announces the IPv6 VIP of (c) as a /128 over an IPv6
# BGP session (fd00::2, fd00::3 to the router's fd00::fe); the router must see it from both,
# drop A's when A dies, withdraw it with (c) and take it back, from A too after (d). No IPv6
# traffic crosses the router (its client network is IPv4 only).
#
# Two trials, control first: sharing off, then on. Each opens $conns long-lived connections
# from the client, then enables the backend b3 that both balancers had disabled (so Maglev
# would now place a third of the established flows elsewhere), then balancer A dies as a
# machine does: its link goes, xvsd and BIRD are SIGKILLed. The router drops A's routes when
# the hold timer expires and sends everything to B; a connection is kept when it still
# answers from its backend. With sharing, every connection must be kept; the control must
# break some. The sharing trial then also shows (c) a VIP whose backends all fail being
# withdrawn from the router and coming back, and (d) A restarting: it waits for B, learns the
# flows, announces again, and the connections still answer.
#
#   scaleout.sh <xvsd-binary>
set -euo pipefail
xvsd=$1
here=$(cd "$(dirname "$0")" && pwd)
[[ $(id -u) -eq 0 ]] || { echo "SKIPPED: needs root"; exit 77; }
[[ -x $xvsd ]] || { echo "SKIPPED: no xvsd binary at $xvsd"; exit 77; }
for tool in bird birdc; do
  command -v "$tool" >/dev/null || { echo "SKIPPED: $tool missing (bird2)"; exit 77; }
done
# shellcheck source=lib/netns.sh
source "$here/lib/netns.sh"
# shellcheck source=lib/check.sh
source "$here/lib/check.sh"
net_trap

conns=30
vip=$NET_VIP4
vip2=192.0.2.2        # the VIP of (c): health page on 8081 only
vip6=$NET_VIP6        # its IPv6 twin (on every backend's lo already)
a=$NET_LB4 b=10.0.0.3 rt=10.0.0.254
a6=$NET_LB6 b6=fd00::3 rt6=fd00::fe
net_up 3

# The router: one leg on the bridge, one to the client's network.
net_host rt "$(net_mac 0xfe)" "$rt" fd00::fe
nsx rt sysctl -qw net.ipv4.ip_forward=1 net.ipv4.fib_multipath_hash_policy=1 \
  net.ipv6.conf.all.forwarding=1
net_ns out
ip -n "${NET_PREFIX}rt" link add eth1 type veth peer name eth0 netns "${NET_PREFIX}out"
ip -n "${NET_PREFIX}rt" addr add 10.9.0.254/24 dev eth1
ip -n "${NET_PREFIX}rt" link set eth1 up
ip -n "${NET_PREFIX}out" addr add 10.9.0.1/24 dev eth0
ip -n "${NET_PREFIX}out" link set eth0 up
ip -n "${NET_PREFIX}out" route add default via 10.9.0.254
# Does this kernel take multipath routes?
ip -n "${NET_PREFIX}rt" route add 198.51.100.0/24 nexthop via "$a" nexthop via "$b" 2>/dev/null ||
  { echo "SKIPPED: the kernel refuses multipath routes"; exit 77; }
ip -n "${NET_PREFIX}rt" route del 198.51.100.0/24

net_host lb2 "$(net_mac 3)" "$b" "$b6"
nsx lb2 sysctl -qw net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
for i in 1 2 3; do
  ip -n "${NET_PREFIX}b$i" route add 10.9.0.0/24 via "$rt"
  ip -n "${NET_PREFIX}b$i" addr add "$vip2/32" dev lo
done
declare -A PAGE_PID
page_start() {
  # On :: it serves IPv4 too (dual-stack).
  net_spawn "b$1" "$NET_TMP/page$1.log" "$NET_PY" -m http.server 8081 --bind :: \
    --directory "$NET_TMP"
  PAGE_PID[$1]=$NET_PID
}
for i in 1 2 3; do page_start "$i"; done

od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$NET_TMP/share.key"

# Router BIRD: sessions to both balancers, ECMP into the kernel.
cat >"$NET_TMP/rt.conf" <<EOF
router id $rt;
log "$NET_TMP/rt-bird.log" all;
protocol device {}
protocol kernel { ipv4 { import none; export all; }; merge paths yes; }
template bgp balancer {
  local $rt as 65000;
  direct;
  hold time 3; connect delay time 1; connect retry time 1; error wait time 1, 2;
  ipv4 { gateway direct; import all; export none; };
}
protocol bgp lbA from balancer { neighbor $a as 65000; }
protocol bgp lbB from balancer { neighbor $b as 65000; }
protocol kernel { ipv6 { import none; export all; }; merge paths yes; }
template bgp balancer6 {
  local $rt6 as 65000;
  direct;
  hold time 3; connect delay time 1; connect retry time 1; error wait time 1, 2;
  ipv6 { gateway direct; next hop prefer global; import all; export none; };
}
protocol bgp lbA6 from balancer6 { neighbor $a6 as 65000; }
protocol bgp lbB6 from balancer6 { neighbor $b6 as 65000; }
EOF
CHECK_LOGS+=("$NET_TMP/rt-bird.log" "$NET_TMP/rt-bird.out")
net_spawn rt "$NET_TMP/rt-bird.out" bird -f -c "$NET_TMP/rt.conf" -s "$NET_TMP/rt.ctl"

# balancer_config NAME ADDRESS B3 [LEARN]: xvsd's YAML for one balancer (B3 "true" = b3
# disabled; LEARN seconds before announcing, default 0), sharing flows with the other
# balancer when SHARING is on.
balancer_config() {
  local peer=$a address6=$b6
  [[ $1 == A ]] && peer=$b address6=$a6
  cat >"$NET_TMP/$1.yaml.new" <<YAML
learn: ${4:-0}
vlans:
  1: [$2/24, $address6/64]
bgp:
  as_number: 65000
  hold_time: 3
  peers: [$rt, $rt6]
bird:
  include: $NET_TMP/$1-routes.conf
  socket: $NET_TMP/$1.ctl
YAML
  if [[ $SHARING == on ]]; then
    cat >>"$NET_TMP/$1.yaml.new" <<YAML
flow_sharing:
  address: $2
  peers: [$peer]
  key_file: $NET_TMP/share.key
  peer_wait: 10
YAML
  fi
  cat >>"$NET_TMP/$1.yaml.new" <<YAML
services:
  - name: chat
    virtual: $vip
    servers:
      $(net_b4 1): {weight: 1}
      $(net_b4 2): {weight: 1}
      $(net_b4 3): {disabled: $3}
    interval: 0.5
    timeout: 0.4
    rise: 1
    fall: 2
    policy:
      $NET_LINE_PORT:
        checks: [{type: syn}]
  - name: page
    virtual: $vip2
    servers: [$(net_b4 1), $(net_b4 2), $(net_b4 3)]
    interval: 0.5
    timeout: 0.4
    rise: 1
    fall: 2
    policy:
      8081:
        checks: [{type: http, port: 8081}]
  - name: page6
    virtual: $vip6
    servers: [$(net_b6 1), $(net_b6 2), $(net_b6 3)]
    interval: 0.5
    timeout: 0.4
    rise: 1
    fall: 2
    policy:
      8081:
        checks: [{type: http, port: 8081}]
YAML
  mv "$NET_TMP/$1.yaml.new" "$NET_TMP/$1.yaml"
}

SHARING=off
declare -A XVSD_PID BIRD_PID
# balancer_start NAME ROLE ADDRESS: BIRD (its include file written by xvsd) and xvsd in
# ROLE's namespace.
balancer_start() {
  local name=$1 role=$2 addr=$3
  # A machine's /run does not outlive it: a restarted A must not hand its new BIRD the
  # routes file of its previous life before xvsd has rewritten it (empty, until ready).
  rm -f "$NET_TMP/$name-routes.conf"
  cat >"$NET_TMP/$name-bird.conf" <<EOF
router id $addr;
log "$NET_TMP/$name-bird.log" all;
protocol device {}
include "$NET_TMP/$name-routes.conf";
EOF
  net_spawn "$role" "$NET_TMP/$name.log" "$xvsd" "$NET_TMP/$name.yaml" eth0 --webserver "" \
    --drain 1
  XVSD_PID[$name]=$NET_PID
  CHECK_LOGS+=("$NET_TMP/$name.log")
  wait_for 10 test -s "$NET_TMP/$name-routes.conf" || fail "$name: xvsd wrote no BIRD file"
  net_spawn "$role" "$NET_TMP/$name-bird.out" bird -f -c "$NET_TMP/$name-bird.conf" \
    -s "$NET_TMP/$name.ctl"
  BIRD_PID[$name]=$NET_PID
  CHECK_LOGS+=("$NET_TMP/$name-bird.log" "$NET_TMP/$name-bird.out")
}

# next_hops VIP: the router's next hops for VIP, sorted, space-separated.
next_hops() {
  ip -n "${NET_PREFIX}rt" route show "$1/32" | grep -o 'via [0-9.]*' | awk '{print $2}' |
    sort | tr '\n' ' '
}
hops_are() { [[ $(next_hops "$1") == "$2" ]]; }
next_hops6() {
  ip -6 -n "${NET_PREFIX}rt" route show "$1/128" | grep -o 'via [0-9a-f:]*' | awk '{print $2}' |
    sort | tr '\n' ' '
}
hops6_are() { [[ $(next_hops6 "$1") == "$2" ]]; }
now() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'; }
tx_packets() { ip -s -n "${NET_PREFIX}sw" link show "$1" | awk '/TX:/ { getline; print $2 }'; }

round() {
  actor_say "$CHAT" "$1"
  actor_hear "$CHAT" 30
  read -r -a NAMES <<<"$HEARD"
  ((${#NAMES[@]} == conns)) || fail "round $1: '$HEARD'"
}

# trial on|off: sets KEPT, BROKEN and FAILOVER (seconds until the router had only B).
trial() {
  local mode=$1 t0 before_a before_b i
  SHARING=$mode
  balancer_config A "$a" true
  balancer_config B "$b" true
  balancer_start A lb "$a"
  balancer_start B lb2 "$b"
  wait_for 40 hops_are "$vip" "$a $b " ||
    fail "$mode: the router never had both balancers for $vip: '$(next_hops "$vip")'"
  if [[ $mode == on ]]; then
    grep -q "event=peers_ready" "$NET_TMP/A.log" || fail "A announced before hearing B"
  fi
  pass "$mode: router routes $vip via both balancers (ECMP): $(next_hops "$vip")"
  wait_for 20 hops6_are "$vip6" "$a6 $b6 " ||
    fail "$mode: the router never had both balancers for $vip6: '$(next_hops6 "$vip6")'"
  pass "$mode: router routes $vip6/128 via both balancers (ECMP): $(next_hops6 "$vip6")"

  before_a=$(tx_packets lb) before_b=$(tx_packets lb2)
  CHAT=chat-$mode
  actor_start "$CHAT" out "$NET_PY" "$NET_LIB_DIR/multichat.py" "$vip" "$NET_LINE_PORT" "$conns"
  actor_hear "$CHAT" 20
  [[ $HEARD == "connected $conns" ]] || fail "$mode: $HEARD"
  CHAT_PID=$ACTOR_PID
  round one
  FIRST=("${NAMES[@]}")
  [[ " ${FIRST[*]} " != *" - "* ]] || fail "$mode: a connection did not answer: ${FIRST[*]}"
  local to_a=$(($(tx_packets lb) - before_a)) to_b=$(($(tx_packets lb2) - before_b))
  ((to_a > conns && to_b > conns)) ||
    fail "$mode: ECMP did not split: router sent $to_a packets to A, $to_b to B"
  pass "$mode: both balancers carry traffic: router sent $to_a packets to A, $to_b to B"

  # b3 joins on both balancers: Maglev would now move some established flows.
  balancer_config A "$a" false
  balancer_config B "$b" false
  kill -HUP "${XVSD_PID[A]}" "${XVSD_PID[B]}"
  wait_for 10 bash -c "grep -q 'backend=$(net_b4 3)' '$NET_TMP/A.log' &&
                       grep -q 'backend=$(net_b4 3)' '$NET_TMP/B.log'" ||
    fail "$mode: b3 did not come into service"
  round two
  sleep 1  # records of the latest refreshes reach the peer (sent every 10 ms)

  # A dies like a machine: link first (no FIN reaches the router), then its processes.
  t0=$(now)
  ip -n "${NET_PREFIX}sw" link set lb down
  kill -KILL "${XVSD_PID[A]}" "${BIRD_PID[A]}"
  wait_for 15 hops_are "$vip" "$b " || fail "$mode: the router kept A's route"
  FAILOVER=$(secs "$t0" "$(now)")
  wait_for 15 hops6_are "$vip6" "$b6 " || fail "$mode: the router kept A's route for $vip6"
  FAILOVER6=$(secs "$t0" "$(now)")
  round three
  KEPT=0 BROKEN=0
  for ((i = 0; i < conns; i++)); do
    if [[ ${NAMES[i]} == "${FIRST[i]}" ]]; then KEPT=$((KEPT + 1)); else BROKEN=$((BROKEN + 1)); fi
  done
  echo "$mode: failover ${FAILOVER} s (A killed -> router has only B; ${FAILOVER6} s for $vip6);" \
    "kept $KEPT, broken $BROKEN"
}

stop_all() {
  local name
  net_stop "$CHAT_PID" || true
  for name in B A; do
    net_gone "${XVSD_PID[$name]}" || net_stop "${XVSD_PID[$name]}" || true
    net_gone "${BIRD_PID[$name]}" || net_stop "${BIRD_PID[$name]}" || true
  done
  ip -n "${NET_PREFIX}sw" link set lb up
  wait_for 15 hops_are "$vip" "" || fail "routes left after both balancers stopped"
  wait_for 15 hops6_are "$vip6" "" || fail "IPv6 routes left after both balancers stopped"
}

trial off
control_broken=$BROKEN control_kept=$KEPT control_failover=$FAILOVER
((control_broken > 0)) || fail "control without sharing broke nothing: the trial proves nothing"
pass "control (sharing off): $control_broken of $conns connections broken, $control_kept kept"
stop_all

trial on
((BROKEN == 0)) || fail "sharing on: $BROKEN of $conns connections broken"
pass "sharing on: A killed, failover ${FAILOVER} s, all $KEPT of $conns connections kept"
grep -q "event=routes_announced" "$NET_TMP/B.log" || fail "B never logged an announcement"

# (c) Every backend of vip2 fails its check: B withdraws it; they recover: it returns.
hops_are "$vip2" "$b " || fail "$vip2 not routed via B: '$(next_hops "$vip2")'"
hops6_are "$vip6" "$b6 " || fail "$vip6 not routed via B: '$(next_hops6 "$vip6")'"
t0=$(now)
for i in 1 2 3; do net_stop "${PAGE_PID[$i]}" || true; done
wait_for 15 hops_are "$vip2" "" || fail "$vip2 still routed after its backends failed"
withdrawn=$(secs "$t0" "$(now)")
wait_for 15 hops6_are "$vip6" "" || fail "$vip6 still routed after its backends failed"
withdrawn6=$(secs "$t0" "$(now)")
hops_are "$vip" "$b " || fail "$vip lost its route with $vip2"
t0=$(now)
for i in 1 2 3; do page_start "$i"; done
wait_for 15 hops_are "$vip2" "$b " || fail "$vip2 not announced again after recovery"
back=$(secs "$t0" "$(now)")
wait_for 15 hops6_are "$vip6" "$b6 " || fail "$vip6 not announced again after recovery"
pass "(c) $vip2 withdrawn ${withdrawn} s after its backends failed, back ${back} s after they recovered; $vip6/128 withdrawn ${withdrawn6} s, back $(secs "$t0" "$(now)") s"

# (d) A comes back: waits for B, learns the flows, announces; every connection still answers.
# A live flow is re-shared about every 4.3 s (docs/flows.md), so A learns for 6 s (vc5's
# `learn`) under steady load: a line on every connection every half second, through B.
# check_round: every connection answered from its first backend; sets BROKEN_NOW.
check_round() {
  round "$1"
  BROKEN_NOW=0
  for ((i = 0; i < conns; i++)); do
    [[ ${NAMES[i]} == "${FIRST[i]}" ]] || BROKEN_NOW=$((BROKEN_NOW + 1))
  done
}
ip -n "${NET_PREFIX}sw" link set lb up
balancer_config A "$a" false 6
balancer_start A lb "$a"
deadline=$(($(now) + 40000000000))
rounds=0
until hops_are "$vip" "$a $b "; do
  (($(now) < deadline)) || fail "A was not announced again: '$(next_hops "$vip")'"
  check_round "learn$rounds"
  ((BROKEN_NOW == 0)) || fail "(d) $BROKEN_NOW connections broke while A was learning"
  rounds=$((rounds + 1))
  sleep 0.5
done
grep -q "event=peers_ready" "$NET_TMP/A.log" || fail "A announced without hearing B"
wait_for 15 hops6_are "$vip6" "$a6 $b6 " || fail "A did not announce $vip6 again: '$(next_hops6 "$vip6")'"
for r in 1 2 3 4 5; do
  check_round "back$r"
  ((BROKEN_NOW == 0)) || break
  sleep 0.5
done
broken_after=$BROKEN_NOW
((broken_after == 0)) || fail "(d) after A's return $broken_after connections broke"
pass "(d) A restarted: waited for B, announced again, all $conns connections still answer"

echo "scale-out: failover ${FAILOVER} s with sharing (${control_failover} s control);" \
  "kept $KEPT/$conns with sharing, $control_kept/$conns without"
