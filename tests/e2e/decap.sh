#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# cmd/xvs-decap against the real kernel: a sender namespace ("snd", a balancer's stand-in)
# sends IPIP/GRE/FOU/GUE-encapsulated TCP SYNs (built with scapy) over a veth to a backend
# namespace ("rcv") running xvs-decap, with the VIPs on lo and a listener on port 80. A SYN
# that reaches the backend's stack is answered with a SYN-ACK straight to the client address
# (DSR: the reply is routed, not tunnelled), which the sender sees on the wire.
#  - every tunnel x outer family x inner family, and FOU/GUE with UDP checksum 0, answered;
#  - a wrong peer and a VIP not given with --vip get no answer and are counted;
#  - without xvs-decap nothing is answered (the kernel has no tunnel modules);
#  - bad arguments exit 2, an unknown interface exits 1, SIGTERM detaches and exits 0.
#
#   decap.sh <xvs-decap-binary> [native]
set -euo pipefail
decap=$1
mode=${2:-generic}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/netns.sh
source "$here/lib/netns.sh"
# shellcheck source=lib/check.sh
source "$here/lib/check.sh"
net_trap

FOU_PORT=5555
GUE_PORT=6080
SND4=10.9.0.1 SND6=fd09::1 RCV4=10.9.0.2 RCV6=fd09::2
CLIENT4=198.51.100.7 CLIENT6=2001:db8:c::7
OTHER_VIP4=192.0.2.2  # on the backend's lo, but not a --vip
RCV_MAC=02:00:00:00:09:02

# expect CODE PATTERN ARGS...: xvs-decap ARGS exits with CODE and prints PATTERN.
expect() {
  local code=$1 pattern=$2 out status=0
  shift 2
  out=$(timeout 20 "$decap" "$@" 2>&1) || status=$?
  ((status == code)) || fail "xvs-decap $*: exit $status, expected $code: $out"
  grep -qi -- "$pattern" <<<"$out" || fail "xvs-decap $*: no '$pattern' in: $out"
}
expect 0 "usage" --help
expect 2 "required"
expect 2 "not an IP address: 10.0.0.300" --vip 10.0.0.300 eth0
expect 2 "not an IP address: eth0" --peer eth0
expect 2 "fou-port" --fou-port 0 eth0
expect 2 "share" --fou-port 5555 --gue-port 5555 eth0
expect 2 "interval" -i -1 eth0
pass "bad arguments: exit 2 with a message naming them"

NET_TMP=$(mktemp -d /tmp/xvs-e2e.XXXXXX)
ip netns add "${NET_PREFIX}snd"
ip netns add "${NET_PREFIX}rcv"
for role in snd rcv; do
  ip -n "$NET_PREFIX$role" link set lo up
  nsx "$role" sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0
done
ip -n "${NET_PREFIX}snd" link add eth0 address 02:00:00:00:09:01 type veth peer name eth0 \
  netns "${NET_PREFIX}rcv" address "$RCV_MAC"
ip -n "${NET_PREFIX}snd" addr add "$SND4/24" dev eth0
ip -n "${NET_PREFIX}snd" addr add "$SND6/64" dev eth0 nodad
ip -n "${NET_PREFIX}rcv" addr add "$RCV4/24" dev eth0
ip -n "${NET_PREFIX}rcv" addr add "$RCV6/64" dev eth0 nodad
for role in snd rcv; do ip -n "$NET_PREFIX$role" link set eth0 up; done

# The backend as docs/tunnels.md describes it: VIPs on lo, replies routed to clients via
# the gateway, reverse-path filter loose.
ip -n "${NET_PREFIX}rcv" addr add "$NET_VIP4/32" dev lo
ip -n "${NET_PREFIX}rcv" addr add "$OTHER_VIP4/32" dev lo
ip -n "${NET_PREFIX}rcv" addr add "$NET_VIP6/128" dev lo nodad
ip -n "${NET_PREFIX}rcv" route add default via "$SND4"
ip -n "${NET_PREFIX}rcv" -6 route add default via "$SND6"
nsx rcv sysctl -qw net.ipv4.conf.all.rp_filter=2 net.ipv4.conf.eth0.rp_filter=2 \
  net.ipv4.conf.lo.rp_filter=2
net_spawn rcv "$NET_TMP/listener.log" "$NET_PY" "$NET_LIB_DIR/backend.py" rcv 80 7000
CHECK_LOGS+=("$NET_TMP/listener.log")
wait_for 10 nsx rcv bash -c "ss -Hltn | grep -q ':80 '" || fail "the listener did not start"
wait_for 10 nsx snd ping -c1 -W1 "$RCV4" || fail "no IPv4 between the namespaces"
wait_for 10 nsx snd ping -c1 -W1 "$RCV6" || fail "no IPv6 between the namespaces"

# send CASE...: runs tunnel_syn.py in the sender; its output goes to $NET_TMP/syn.out.
# Every SYN gets a TCP source port of its own.
sport=20000
send() {
  nsx snd timeout 120 "$NET_PY" "$NET_LIB_DIR/tunnel_syn.py" eth0 "$RCV_MAC" "$FOU_PORT" \
    "$GUE_PORT" "$sport" "$@" >"$NET_TMP/syn.out" 2>"$NET_TMP/syn.err" ||
    fail "tunnel_syn.py failed: $(cat "$NET_TMP/syn.err")"
  sport=$((sport + $#))
}

# outer_pair FAMILY: the sender's and the backend's address of that family.
outer_pair() { if (($1 == 4)); then echo "$SND4,$RCV4"; else echo "$SND6,$RCV6"; fi; }
inner_pair() { if (($1 == 4)); then echo "$CLIENT4,$NET_VIP4"; else echo "$CLIENT6,$NET_VIP6"; fi; }

send "ipip,$(outer_pair 4),$(inner_pair 4)"
grep -q " none$" "$NET_TMP/syn.out" ||
  fail "answered without xvs-decap: the test cannot tell its work: $(cat "$NET_TMP/syn.out")"
pass "without xvs-decap, a tunnelled SYN gets no answer"

missing="nosuch$$"
status=0
out=$(nsx rcv timeout 20 "$decap" "$missing" 2>&1) || status=$?
if ((status != 1)) || ! grep -q "$missing" <<<"$out"; then
  fail "unknown interface: exit $status, expected 1 and a message naming $missing: $out"
fi
pass "unknown interface: exit 1, '$out'"

flags=()
[[ $mode == native ]] && flags+=(--native)
log=$NET_TMP/decap.log
net_spawn rcv "$log" "$decap" "${flags[@]}" --vip "$NET_VIP4" --vip "$NET_VIP6" \
  --peer "$SND4" --peer "$SND6" --fou-port "$FOU_PORT" --gue-port "$GUE_PORT" -i 1 eth0
decap_pid=$NET_PID
CHECK_LOGS+=("$log")
wait_line 10 "$decap_pid" "$log" "^xvs-decap: eth0 ($mode XDP)" || fail "xvs-decap did not start"
nsx rcv ip link show eth0 | grep -q "xdp" || fail "no XDP program on the backend's eth0"

cases=()
for kind in ipip gre fou gue; do
  for outer in 4 6; do
    for inner in 4 6; do cases+=("$kind,$(outer_pair $outer),$(inner_pair $inner)"); done
  done
done
for outer in 4 6; do
  for kind in fou gue; do cases+=("$kind,$(outer_pair $outer),$(inner_pair 4),zero-checksum"); done
done
send "${cases[@]}"
if grep -q " none$" "$NET_TMP/syn.out"; then
  fail "tunnelled SYNs without an answer:
$(grep " none$" "$NET_TMP/syn.out")"
fi
pass "${#cases[@]} tunnelled SYNs answered: every tunnel, outer and inner family, UDP checksum 0"

send "gre,10.9.0.66,$RCV4,$(inner_pair 4)" "gue,$(outer_pair 6),$CLIENT4,$OTHER_VIP4"
if grep -q " reply$" "$NET_TMP/syn.out"; then
  fail "answered although filtered: $(grep " reply$" "$NET_TMP/syn.out")"
fi
pass "a wrong peer and a VIP not given with --vip get no answer"

net_stop "$decap_pid" || fail "xvs-decap exited with status $? on SIGTERM"
last=$(grep "^decapsulated:" "$log" | tail -n 1)
# count NAME: the number after NAME= in the last counter line.
count() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<"$last"; }
# Every SYN may have been sent up to three times.
(($(count ipip) >= 4 && $(count gre) >= 4 && $(count fou) >= 6 && $(count gue) >= 6)) ||
  fail "decapsulation counters: $last"
(($(count wrong_peer) >= 1 && $(count wrong_vip) >= 1)) || fail "drop counters: $last"
(($(count malformed) == 0)) || fail "malformed packets counted: $last"
grep -q "got SIGTERM, detaching" "$log" || fail "no exit message"
if nsx rcv ip link show eth0 | grep -q xdp; then fail "XDP still attached after SIGTERM"; fi
pass "SIGTERM: exit 0, counters printed ($last), XDP detached"
