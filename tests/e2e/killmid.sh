#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A control plane killed with SIGKILL in the middle of an update leaves nothing that stops the
# next start. Several times: xvs-e2e-churn (a Client changing services and destinations in a
# loop) runs on the balancer's eth0 and is killed at a random moment (the first time during
# its start-up, the others 0-1 s into its update loop); then a new Client (xvs-e2e-driver)
# starts on the same interface, replaces the leftover XDP program, serves HTTP through the
# VIP to exactly its backends, and stops cleanly. The programs and maps each killed process
# left attached are gone once the next Client replaced them, and at the end no XDP program
# and no extra link is left in the balancer's namespace.
#
#   killmid.sh <xvs-e2e-churn-binary> <xvs-e2e-driver-binary>
set -euo pipefail
churn=$1
driver=$2
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/netns.sh
source "$here/lib/netns.sh"
# shellcheck source=lib/check.sh
source "$here/lib/check.sh"
net_trap

kills=6
svc="$NET_VIP4 $NET_HTTP_PORT"

# ask NAME COMMAND...: one command to the driver actor NAME, which must answer "ok".
ask() {
  local name=$1
  shift
  actor_say "$name" "$*"
  actor_hear "$name" 30
  [[ $HEARD == ok* ]] || fail "$name: $*: $HEARD"
}

objects() { nsx lb "$churn" objects eth0; }

net_up 3
rips=("$(net_b4 1)" "$(net_b4 2)" "$(net_b4 3)")
links=$(nsx lb ip -o link | wc -l)
left=()  # the IDs of the programs and maps killed processes left behind
for ((k = 1; k <= kills; k++)); do
  log=$NET_TMP/churn$k.log
  CHECK_LOGS+=("$log")
  net_spawn lb "$log" "$churn" run eth0 "$NET_LB4/24" "$NET_VIP4" "${rips[@]}"
  pid=$NET_PID
  if ((k == 1)); then
    delay=$((RANDOM % 50))
    sleep "0.0$(printf '%02d' "$delay")"
    grep -q '^ok' "$log" && when=after || when=before
    moment="$delay ms after its start, $when its first update"
  else
    wait_line 30 "$pid" "$log" '^ok' || fail "churn $k did not start"
    delay=$((RANDOM % 1000))
    sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
    moment="$delay ms into its update loop"
  fi
  net_gone "$pid" && fail "churn $k ended by itself: $(cat "$log")"
  kill -KILL "$pid"
  wait "$pid" 2>/dev/null || true
  leftover=$(objects)
  read -r -a ids <<<"$leftover"
  left+=("${ids[@]}")

  actor_start "driver$k" lb "$driver" eth0 "$NET_LB4/24"
  drv=$ACTOR_PID
  actor_hear "driver$k" 30
  [[ $HEARD == ok* ]] || fail "after kill $k: a new Client did not start: $HEARD"
  ask "driver$k" set "$svc" "${rips[@]}"
  ask "driver$k" ready "$svc" 30
  now=$(objects)
  [[ -n $now && ${now%% *} != "${ids[0]:-none}" ]] ||
    fail "after kill $k: XDP program '${ids[0]:-none}' was not replaced ($now)"
  http_names cl "http://$NET_VIP4/" 9 >"$NET_TMP/names$k"
  grep -qvx 'b[1-3]' "$NET_TMP/names$k" && fail "after kill $k: $(tally "$NET_TMP/names$k")"
  wait_for 5 "$churn" alive "${left[@]}" ||
    fail "after kill $k: left behind and still alive: $("$churn" alive "${left[@]}" | xargs)"
  eval "exec ${ACTOR_IN[driver$k]}>&-"  # EOF: the driver's Client ends cleanly
  wait_for 10 net_gone "$drv" || fail "driver $k did not exit"
  wait "$drv" || fail "driver $k exited with an error"
  [[ -z $(objects) ]] || fail "driver $k left XDP attached: $(objects)"
  pass "kill $k (${moment}): left ${#ids[@]} objects (${leftover:-none}); the next Client" \
    "replaced them, served $(tally "$NET_TMP/names$k"), stopped cleanly"
done
wait_for 5 "$churn" alive "${left[@]}" || fail "still alive: $("$churn" alive "${left[@]}" | xargs)"
(($(nsx lb ip -o link | wc -l) == links)) || fail "links in the balancer's namespace changed"
pass "$kills kills: none of the ${#left[@]} programs and maps they left is alive; no XDP" \
  "program and no extra link in the balancer's namespace"
