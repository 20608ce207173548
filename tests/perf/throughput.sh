#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# End-to-end throughput on veth, in the namespace network of tests/e2e/lib/netns.sh (client,
# balancer and two backends on a bridge). Not part of ctest: slow and noisy; the method and
# figures are in docs/performance.md.
#
#  1. packets/s: trafgen (netsniff-ng) on the client sends TCP ACKs of FLOWS (-n) flows to the VIP
#     as fast as it can (one CPU); the backends drop them in XDP and their interfaces' rx
#     counters give the rate the balancer (examples/balancer, generic XDP) forwarded, next to
#     the same topology with a trivial XDP forwarder (new MACs, XDP_TX) in its place;
#  2. HTTP requests/s: wrk on the client against the VIP (balancer, one backend) and
#     against that backend directly.
#
#   tests/perf/throughput.sh [-s SECONDS] [-b BUILD_DIR] [-n FLOWS] [-f FLOWS_PER_CPU] [-p]
#
# SECONDS per measurement (default 10; total run time about 5 x SECONDS + 20 s). BUILD_DIR
# holds examples/balancer (default: $XVS_BUILD_DIR, else build/). FLOWS: distinct flows
# (source ports) trafgen sends, 1..65536 (default 1000); FLOWS_PER_CPU: the balancer's flow
# table (default: the library's). -p: only the balancer's packets/s (for sweeps: see
# docs/performance.md). Installs netsniff-ng and
# wrk with apt-get when missing. Removes everything it created on exit, also on failure.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
seconds=10
build=${XVS_BUILD_DIR:-$root/build}
flows=1000
table=0
pps_only=0
while getopts "s:b:n:f:p" opt; do
  case $opt in
    s) seconds=$OPTARG ;;
    b) build=$OPTARG ;;
    n) flows=$OPTARG ;;
    f) table=$OPTARG ;;
    p) pps_only=1 ;;
    *) echo "usage: $0 [-s SECONDS] [-b BUILD_DIR] [-n FLOWS] [-f FLOWS_PER_CPU] [-p]" >&2; exit 2 ;;
  esac
done
[[ $seconds =~ ^[1-9][0-9]*$ ]] || { echo "throughput: -s wants a positive integer" >&2; exit 2; }
[[ $flows =~ ^[1-9][0-9]*$ ]] && ((flows <= 65536)) ||
  { echo "throughput: -n wants 1..65536 flows" >&2; exit 2; }
[[ $table =~ ^[0-9]+$ ]] || { echo "throughput: -f wants a number of flows per CPU" >&2; exit 2; }
balancer=$build/examples/balancer/balancer
[[ -x $balancer ]] || { echo "throughput: no $balancer (build the target 'balancer')" >&2; exit 2; }
[[ $(id -u) -eq 0 ]] || { echo "throughput: needs root (namespaces, XDP)" >&2; exit 2; }

missing=()
command -v trafgen >/dev/null || missing+=(netsniff-ng)
command -v wrk >/dev/null || missing+=(wrk)
if ((${#missing[@]})); then
  echo "throughput: installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" \
    >/dev/null
fi
clang=$(command -v clang-14 || command -v clang) || { echo "throughput: no clang" >&2; exit 2; }

# shellcheck source-path=SCRIPTDIR source=../e2e/lib/netns.sh
source "$root/tests/e2e/lib/netns.sh"
net_trap
net_up 2

lb_mac=$(net_mac 2)
b1_mac=$(net_mac 0x11)
bpf_include=(-idirafter "/usr/include/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)")
as_bytes() { echo "0x${1//:/,0x}"; }
"$clang" -target bpf -O2 -Wall "${bpf_include[@]}" -DSINK \
  -c "$root/tests/perf/forward.bpf.c" -o "$NET_TMP/sink.o"
"$clang" -target bpf -O2 -Wall "${bpf_include[@]}" -DFWD_DST="$(as_bytes "$b1_mac")" \
  -DFWD_SRC="$(as_bytes "$lb_mac")" -c "$root/tests/perf/forward.bpf.c" -o "$NET_TMP/fwd.o"

cat >"$NET_TMP/acks.cfg" <<CFG
{
  eth(da=$lb_mac, sa=$(net_mac 1)),
  ipv4(saddr=$NET_CLIENT4, daddr=$NET_VIP4, ttl=64),
  tcp(sp=dinc(0, $((flows - 1))), dp=$NET_HTTP_PORT, ack, seq=1, ackseq=1, window=512)
}
CFG

rx_sum() {
  local sum=0 b
  for b in b1 b2; do
    sum=$((sum + $(nsx "$b" cat /sys/class/net/eth0/statistics/rx_packets)))
  done
  echo "$sum"
}

# Starts the balancer in the lb namespace with these real servers; sets LB_PID.
balancer_start() {
  local log=$NET_TMP/balancer.$RANDOM.log
  net_spawn lb "$log" "$balancer" -i 3600 -f "$table" eth0 "$NET_LB4/24" "$NET_VIP4" "$@"
  LB_PID=$NET_PID
  wait_line 30 "$LB_PID" "$log" '^ready after' ||
    { echo "throughput: balancer not ready:" >&2; cat "$log" >&2; exit 1; }
}

# packets/s received by the backends while trafgen sends for $seconds (after 1 s warm-up).
# trafgen stops on SIGINT (its documented way), sent by timeout 1 s after the window.
measure_pps() {
  local gen before after t0 t1 sent0 sent1
  net_spawn cl "$NET_TMP/trafgen.log" timeout -s INT -k 5 $((seconds + 2)) \
    taskset -c 0 trafgen --no-sock-mem -Q -P 1 -i "$NET_TMP/acks.cfg" -o eth0
  gen=$NET_PID
  sleep 1
  sent0=$(nsx cl cat /sys/class/net/eth0/statistics/tx_packets)
  before=$(rx_sum)
  t0=$(date +%s%N)
  sleep "$seconds"
  after=$(rx_sum)
  t1=$(date +%s%N)
  sent1=$(nsx cl cat /sys/class/net/eth0/statistics/tx_packets)
  wait "$gen" || true
  PPS=$(((after - before) * 1000000000 / (t1 - t0)))
  SENT_PPS=$(((sent1 - sent0) * 1000000000 / (t1 - t0)))
}

# requests/s that wrk reports for URL.
measure_http() {
  nsx cl wrk -t1 -c16 -d"${seconds}s" --timeout 2s "$1" >"$NET_TMP/wrk.log" 2>&1
  awk '/^Requests\/sec:/ { printf "%d", $2 }' "$NET_TMP/wrk.log"
}

for b in b1 b2; do ip -n "$NET_PREFIX$b" link set eth0 xdpgeneric obj "$NET_TMP/sink.o" sec xdp; done

echo "packets/s: TCP ACKs of $flows flows from trafgen (1 CPU), generic XDP on veth, ${seconds} s each"
balancer_start "$(net_b4 1)" "$(net_b4 2)"
measure_pps
net_stop "$LB_PID"
b_pps=$PPS b_sent=$SENT_PPS
if ((pps_only)); then
  printf '  %-44s %10d pps forwarded (client sent %d pps; flow table %s per CPU)\n' \
    "balancer (examples/balancer, 2 backends)" "$b_pps" "$b_sent" "${table/#0/default}"
  ((b_pps > 0)) || { echo "throughput: nothing was forwarded" >&2; exit 1; }
  exit 0
fi
ip -n "${NET_PREFIX}lb" link set eth0 xdpgeneric obj "$NET_TMP/fwd.o" sec xdp
measure_pps
ip -n "${NET_PREFIX}lb" link set eth0 xdpgeneric off
t_pps=$PPS t_sent=$SENT_PPS
printf '  %-44s %10d pps forwarded (client sent %d pps)\n' \
  "balancer (examples/balancer, 2 backends)" "$b_pps" "$b_sent" \
  "trivial XDP forwarder (new MACs, XDP_TX)" "$t_pps" "$t_sent"
awk -v b="$b_pps" -v t="$t_pps" 'BEGIN { printf "  balancer / trivial: %.2f\n", t ? b / t : 0 }'

for b in b1 b2; do ip -n "$NET_PREFIX$b" link set eth0 xdpgeneric off; done
echo "HTTP requests/s: wrk -t1 -c16 on the client, backend.py (one request per connection)"
balancer_start "$(net_b4 1)"
via=$(measure_http "http://$NET_VIP4/")
net_stop "$LB_PID"
direct=$(measure_http "http://$(net_b4 1)/")
printf '  %-44s %10s requests/s\n' "through the balancer (VIP, backend b1)" "$via" \
  "directly to backend b1" "$direct"
((b_pps > 0 && t_pps > 0 && via > 0 && direct > 0)) ||
  { echo "throughput: a measurement came out as zero" >&2; exit 1; }
