#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# xvsd end to end: a client, xvsd and three backends (lib/netns.sh). Each backend serves HTTP
# on 80, a line service on 7000 (long-lived connections), HTTPS on 8443 (openssl s_server,
# checked with xvsd's https and syn checks), DNS on 53 (UDP and TCP, lib/dns_answer.py,
# checked with the dns and dnstcp checks) and, separately, a health page on 8080 that xvsd checks
# through the NAT addresses for 80 and 7000; stopping that health server fails the
# backend without touching the service itself, so the test can see what xvsd does with it:
#  - a backend whose health server stops gets no new connections within the fall time,
#    while its established connection keeps working; started again, it rejoins;
#  - with every health server stopped the VIP is reported down, and up again after;
#  - a reload (SIGHUP) that adds a service makes it answer; an invalid one is rejected with
#    file:line:field and the old configuration keeps serving, the established flow too.
# Prints the detection and recovery times it measured.
#
#   xvsd.sh <xvsd-binary>
set -euo pipefail
xvsd=$1
here=$(cd "$(dirname "$0")" && pwd)
[[ $(id -u) -eq 0 ]] || { echo "SKIPPED: needs root"; exit 77; }
[[ -x $xvsd ]] || { echo "SKIPPED: no xvsd binary at $xvsd"; exit 77; }
for tool in curl ip python3 openssl /usr/bin/chromium; do
  command -v "$tool" >/dev/null || { echo "SKIPPED: $tool missing"; exit 77; }
done
# shellcheck source=lib/netns.sh
source "$here/lib/netns.sh"
# shellcheck source=lib/check.sh
source "$here/lib/check.sh"
net_trap

interval=0.5 timeout=0.4 rise=2 fall=2
net_up 3
mkdir -p "$NET_TMP/www"
echo healthy >"$NET_TMP/www/index.html"
declare -A HEALTH_PID
health_start() {
  net_spawn "b$1" "$NET_TMP/health$1.log" "$NET_PY" -m http.server 8080 --directory "$NET_TMP/www"
  HEALTH_PID[$1]=$NET_PID
}
health_stop() { net_stop "${HEALTH_PID[$1]}" || true; }
for i in 1 2 3; do health_start "$i"; done
# The TLS handshake's replies span several segments: the backends send them as a wire would,
# not as veth super-packets that the balancer could not pass into its NAT pair (lib/offload_off.py).
for i in 1 2 3; do nsx "b$i" "$NET_PY" "$NET_LIB_DIR/offload_off.py" eth0 tso gso; done
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=xvsd-test -days 1 \
  -keyout "$NET_TMP/key.pem" -out "$NET_TMP/cert.pem" 2>/dev/null || fail "openssl req"
for i in 1 2 3; do
  net_spawn "b$i" "$NET_TMP/tls$i.log" openssl s_server -quiet -www -accept 8443 \
    -cert "$NET_TMP/cert.pem" -key "$NET_TMP/key.pem"
  net_spawn "b$i" "$NET_TMP/dns$i.log" "$NET_PY" "$NET_LIB_DIR/dns_answer.py" 53 "$NET_VIP4"
done
for i in 1 2 3; do
  wait_for 10 bash -c "ip netns exec ${NET_PREFIX}b$i ss -Hltn | grep -q ':8080 '" ||
    fail "health server of b$i not listening"
done

config=$NET_TMP/xvsd.yaml
write_config() {  # write_config [EXTRA-SERVICE-YAML]
  cat >"$config.new" <<YAML
vlans:
  1: $NET_LB4/24
services:
  - name: web
    description: the backends' HTTP
    virtual: $NET_VIP4
    servers: [$(net_b4 1), $(net_b4 2), $(net_b4 3)]
    interval: $interval
    timeout: $timeout
    rise: $rise
    fall: $fall
    policy:
      http:
        checks: [{type: http, port: 8080, path: /index.html}]
      $NET_LINE_PORT:
        checks: [{type: http, port: 8080}]
  - name: tls
    virtual: $NET_VIP4
    servers: [$(net_b4 1), $(net_b4 2), $(net_b4 3)]
    interval: $interval
    timeout: $timeout
    policy:
      8443:
        checks: [{type: https, host: www.example.test}, {type: syn}]
  - name: dns
    virtual: $NET_VIP4
    servers: [$(net_b4 1), $(net_b4 2), $(net_b4 3)]
    interval: $interval
    timeout: $timeout
    policy:
      domain:
$1
YAML
  mv "$config.new" "$config"
}
write_config ""
log=$NET_TMP/xvsd.log
CHECK_LOGS+=("$log")
net_spawn lb "$log" "$xvsd" --verbose "$config" eth0
xvsd_pid=$NET_PID
wait_line 30 "$xvsd_pid" "$log" "event=vip_up vip=$NET_VIP4" || fail "xvsd: the VIP never came up"
# Every backend of the five services in (a first probe can be lost while the balancer
# still resolves the backend's MAC; the next ones pass).
wait_for 10 bash -c "(( \$(grep -c 'event=backend_up' '$log') >= 15 ))" ||
  fail "not every backend came up: $(grep -c 'event=backend_up' "$log") of 15"
for proto in udp tcp; do
  n=$(grep -c "event=backend_up service=dns vip=$NET_VIP4 port=53 protocol=$proto" "$log" || true)
  ((n == 3)) || fail "DNS over $proto: $n of 3 backends passed their checks"
done
nsx cl curl -gskf --noproxy '*' --max-time 3 "https://$NET_VIP4:8443/" >/dev/null ||
  fail "HTTPS through the VIP"
pass "xvsd up: VIP $NET_VIP4, 15 backends of 5 services (http, https+syn, dns, dnstcp checks)"

now() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'; }
count_line() { grep -c -- "$1" "$log" || true; }
# wait_more SECS PATTERN N: the log holds more than N lines matching PATTERN.
wait_more() { wait_for "$1" bash -c "(( \$(grep -c -- '$2' '$log' || true) > $3 ))"; }

answers=$NET_TMP/answers
http_names cl "http://$NET_VIP4/" 30 >"$answers"
[[ $(tally "$answers") == *FAIL=0 && $(tally "$answers") == *b1=*b2=*b3=* ]] ||
  fail "before: $(tally "$answers")"
pass "30 requests before any failure: $(tally "$answers")"

# The console of this xvsd (its web server listens on vc5's default :80 in the balancer's
# namespace) in headless Chromium, with client traffic flowing so that rates show: one VIP,
# every backend up. The screenshot is left in the test's working directory.
net_spawn cl "$NET_TMP/traffic.log" bash -c "for i in \$(seq 400); do
  curl -gs --noproxy '*' --max-time 1 http://$NET_VIP4/ >/dev/null; sleep 0.05; done"
traffic_pid=$NET_PID
nsx lb env TMPDIR="$NET_TMP" "$NET_PY" "$here/../xvsd-web/console_check.py" \
  "http://127.0.0.1:80/" "$NET_TMP/console.png" --vips 1 --backends-down 0 --timeout 20 ||
  fail "the console of the running xvsd"
net_stop "$traffic_pid" >/dev/null || true
cp "$NET_TMP/console.png" "$PWD/xvsd-console.png"
pass "console in headless Chromium: live rates, every backend up ($PWD/xvsd-console.png)"

# POST /reload: accepted from the balancer itself over loopback; from the client's namespace
# (the same segment) refused with 403, logged, and nothing reloaded.
accepted=$(count_line "event=reload_accepted")
code=$(nsx lb curl -gs --noproxy '*' --max-time 5 -o /dev/null -w '%{http_code}' -d '' \
  "http://127.0.0.1:80/reload") || true
[[ $code == 200 ]] || fail "POST /reload over loopback: status $code"
wait_more 10 "event=reload_accepted" "$accepted" || fail "POST /reload over loopback reloaded nothing"
accepted=$(count_line "event=reload_accepted")
code=$(nsx cl curl -gs --noproxy '*' --max-time 5 -o /dev/null -w '%{http_code}' -d '' \
  "http://$NET_LB4:80/reload") || true
[[ $code == 403 ]] || fail "POST /reload from the client's namespace: status $code, not 403"
wait_line 10 "$xvsd_pid" "$log" "event=http_reload_refused peer=$NET_CLIENT4" ||
  fail "the refused reload was not logged"
(( $(count_line "event=reload_accepted") == accepted )) || fail "a refused POST /reload reloaded"
pass "POST /reload: 200 over loopback, 403 from $NET_CLIENT4 (logged, nothing reloaded)"

# An established connection, then its backend's health server stops.
actor_start conn cl "$NET_PY" "$NET_LIB_DIR/linechat.py" "$NET_VIP4" "$NET_LINE_PORT"
actor_hear conn 10
[[ $HEARD == connected ]] || fail "line connection: $HEARD"
actor_say conn one
actor_hear conn 10
victim=${HEARD%% *}
[[ $victim =~ ^b[123]$ && $HEARD == "$victim one" ]] || fail "line connection answered '$HEARD'"
n=${victim#b}
down_pat="event=backend_down service=web vip=$NET_VIP4 port=$NET_HTTP_PORT protocol=tcp backend=$(net_b4 "$n")"
up_pat="event=backend_up service=web vip=$NET_VIP4 port=$NET_HTTP_PORT protocol=tcp backend=$(net_b4 "$n")"
downs=$(count_line "$down_pat")
t0=$(now)
health_stop "$n"
wait_more 10 "$down_pat" "$downs" || fail "$victim not taken out within 10 s"
detect=$(secs "$t0" "$(now)")
http_names cl "http://$NET_VIP4/" 30 >"$answers"
! grep -qx "$victim" "$answers" || fail "$victim still got new connections: $(tally "$answers")"
grep -q FAIL "$answers" && fail "requests failed with $victim out: $(tally "$answers")"
actor_say conn two
actor_hear conn 10
[[ $HEARD == "$victim two" ]] || fail "the established connection to $victim broke: '$HEARD'"
pass "$victim out after ${detect} s: 30 new requests elsewhere ($(tally "$answers")), its established connection still answered"

ups=$(count_line "$up_pat")
t0=$(now)
health_start "$n"
wait_more 10 "$up_pat" "$ups" || fail "$victim did not rejoin within 10 s"
recover=$(secs "$t0" "$(now)")
http_names cl "http://$NET_VIP4/" 30 >"$answers"
grep -qx "$victim" "$answers" || fail "$victim rejoined but got no new connection: $(tally "$answers")"
pass "$victim back after ${recover} s: $(tally "$answers")"

# Every backend down: the VIP is reported down; back up after.
vip_downs=$(count_line "event=vip_down vip=$NET_VIP4")
svc_downs=$(count_line "event=service_down service=web vip=$NET_VIP4 port=$NET_HTTP_PORT ")
t0=$(now)
for i in 1 2 3; do health_stop "$i"; done
wait_more 10 "event=vip_down vip=$NET_VIP4" "$vip_downs" || fail "VIP not reported down"
vip_down_after=$(secs "$t0" "$(now)")
wait_more 10 "event=service_down service=web vip=$NET_VIP4 port=$NET_HTTP_PORT " "$svc_downs" ||
  fail "no service_down line for port $NET_HTTP_PORT"
vip_ups=$(count_line "event=vip_up vip=$NET_VIP4")
t0=$(now)
for i in 1 2 3; do health_start "$i"; done
wait_more 10 "event=vip_up vip=$NET_VIP4" "$vip_ups" || fail "VIP not back up"
vip_up_after=$(secs "$t0" "$(now)")
pass "all health servers stopped: VIP down after ${vip_down_after} s; restarted: up after ${vip_up_after} s"

# Reload: a new service (the health page itself, on the VIP's port 8080).
write_config "  - name: page
    virtual: $NET_VIP4
    servers: [$(net_b4 1), $(net_b4 2), $(net_b4 3)]
    interval: $interval
    timeout: $timeout
    policy:
      8080:
        checks: [{type: http}]"
accepted=$(count_line "event=reload_accepted")
kill -HUP "$xvsd_pid"
wait_more 10 "event=reload_accepted" "$accepted" || fail "reload with a new service not accepted"
wait_for 10 nsx cl curl -gsf --noproxy '*' --max-time 2 "http://$NET_VIP4:8080/index.html" ||
  fail "the new service does not answer"
pass "reload: the added service $NET_VIP4:8080 answers"

# An invalid configuration: rejected, the old keeps serving, the established flow too.
good=$(cat "$config")
sed 's/^    rise: .*/    rise: often/' <<<"$good" >"$config"
line=$(grep -n '^    rise: often' "$config" | head -1 | cut -d: -f1)
rejected=$(count_line "event=reload_rejected")
kill -HUP "$xvsd_pid"
wait_more 10 "event=reload_rejected" "$rejected" || fail "invalid config not rejected"
expected="event=reload_rejected error=\"$config:$line: services[0].rise: expected a whole number 1..100, got \\\"often\\\"\""
grep -qF -- "$expected" "$log" ||
  fail "rejection message lacks file:line:field: $(grep reload_rejected "$log" | tail -1)"
http_names cl "http://$NET_VIP4/" 30 >"$answers"
[[ $(tally "$answers") == *FAIL=0 ]] || fail "after the rejected reload: $(tally "$answers")"
nsx cl curl -gsf --noproxy '*' --max-time 2 "http://$NET_VIP4:8080/index.html" >/dev/null ||
  fail "the added service stopped after the rejected reload"
actor_say conn three
actor_hear conn 10
[[ $HEARD == "$victim three" ]] || fail "the established connection broke on reload: '$HEARD'"
pass "invalid reload rejected ($config:$line: services[0].rise), old config serving: $(tally "$answers"), established flow intact"

net_stop "$xvsd_pid" || fail "xvsd exited with $? on SIGTERM"
grep -q 'event=stopped' "$log" || fail "xvsd did not log its stop"
! nsx lb ip link show xvsnat0 >/dev/null 2>&1 || fail "xvsd left its health-check namespace"
echo "timings: detection ${detect} s, recovery ${recover} s (interval ${interval} s, timeout ${timeout} s, fall ${fall}, rise ${rise}); VIP down ${vip_down_after} s, up ${vip_up_after} s"
pass "xvsd stopped cleanly"
