# SPDX-License-Identifier: Apache-2.0
# Traffic, capture and verdict helpers for tests/e2e/*.sh (source after netns.sh).
#
#   pass MSG / fail MSG      "PASS: MSG" / "FAIL: MSG" (fail also shows CHECK_LOGS and exits 1)
#   http_names ROLE URL N    N curl requests, each a new connection; one line per request:
#                            the backend's name, or FAIL
#   line_names ROLE VIP N    N new connections to the line port; one line each: name or FAIL
#   tally FILE               "b1=33 b2=34 b3=33 FAIL=0"-style summary of a names file
#   capture_start ROLE FILE [IF]  tshark on ROLE's IF (eth0) into FILE; sets CAPTURE_PID
#   capture_seen FILE FILTER N     FILE holds at least N frames matching FILTER
#   capture_count FILE FILTER      the number of frames of FILE matching FILTER
#   actor_start NAME ROLE CMD..    CMD in ROLE's namespace with its stdin/stdout on pipes
#   actor_say NAME LINE / actor_hear NAME SECS  write a line / read one (sets HEARD)

CHECK_LOGS=()
declare -A ACTOR_IN ACTOR_OUT

pass() { echo "PASS: $*"; }

fail() {
  local log
  echo "FAIL: $*"
  for log in "${CHECK_LOGS[@]}"; do
    [[ -f $log ]] || continue
    echo "--- last lines of $(basename "$log"):"
    tail -n 40 "$log"
  done
  exit 1
}

# shellcheck disable=SC2016 # the positional parameters belong to the inner shell
http_names() {
  nsx "$1" bash -c 'for ((i = 0; i < $2; i++)); do
      curl -gsS --noproxy "*" --max-time 3 "$1" || echo FAIL
    done' _ "$2" "$3"
}

# shellcheck disable=SC2016
line_names() {
  nsx "$1" bash -c 'for ((i = 0; i < $3; i++)); do
      timeout 10 "$1" "$4" "$2" "$5" <<<"new" | sed -n "2s/ new\$//p" | grep . || echo FAIL
    done' _ "$NET_PY" "$2" "$3" "$NET_LIB_DIR/linechat.py" "$NET_LINE_PORT"
}

tally() {
  local out="" name
  for name in $(grep -v '^FAIL$' "$1" | sort -u); do
    out+="$name=$(grep -cx "$name" "$1") "
  done
  echo "${out}FAIL=$(grep -cx FAIL "$1" || true)"
}

capture_start() {
  net_spawn "$1" "$2.log" tshark -n -q -i "${3:-eth0}" -w "$2"
  CAPTURE_PID=$NET_PID
  wait_for 20 grep -q "Capture started" "$2.log" ||
    fail "tshark did not start in $1: $(cat "$2.log")"
}

# capture_seen FILE FILTER N: FILE (still being written) holds at least N matching frames.
# dumpcap loses what its ring buffer holds when stopped, so before stopping a capture, tests
# wait until it has written a control packet sent after the traffic of interest.
capture_seen() {
  (($(tshark -n -r "$1" -Y "$2" -T fields -e frame.number 2>/dev/null | grep -c .) >= $3))
}

capture_count() {
  local frames
  frames=$(tshark -n -r "$1" -Y "$2" -T fields -e frame.number) || return 1
  grep -c . <<<"$frames" || true
}

actor_start() {
  local name=$1 role=$2 fd
  shift 2
  mkfifo "$NET_TMP/$name.in" "$NET_TMP/$name.out"
  ip netns exec "$NET_PREFIX$role" "$@" <"$NET_TMP/$name.in" >"$NET_TMP/$name.out" \
    2>"$NET_TMP/$name.err" &
  NET_PIDS+=("$!")
  ACTOR_PID=$!
  exec {fd}>"$NET_TMP/$name.in"
  ACTOR_IN[$name]=$fd
  exec {fd}<"$NET_TMP/$name.out"
  ACTOR_OUT[$name]=$fd
  CHECK_LOGS+=("$NET_TMP/$name.err")
}

actor_say() { echo "$2" >&"${ACTOR_IN[$1]}"; }

# driver_start DRIVER ARGS...: xvs-e2e-driver as actor "driver" in the balancer namespace;
# returns once it said "ok" (sets driver_pid), fails the test otherwise.
driver_start() {
  actor_start driver lb "$@"
  driver_pid=$ACTOR_PID
  actor_hear driver 30
  [[ $HEARD == ok* ]] || fail "driver did not start: $HEARD"
}

actor_hear() {
  local status=0
  HEARD=""
  read -r -t "$2" HEARD <&"${ACTOR_OUT[$1]}" || status=$?
  ((status == 0)) || HEARD=$( ((status > 128)) && echo "(nothing within $2 s)" || echo "(exited)")
}

# nat_address LOG VIP RIP: the NAT address the balancer printed for (VIP, RIP).
nat_address() { sed -n "s/^nat \(.*\) -> $2 on $3\$/\1/p" "$1" | tail -n 1; }

# nat_check ROLE NAT: the HTTP answer (a backend's name) to a health check from ROLE's
# namespace through NAT address NAT.
nat_check() {
  local url="http://$2/"
  [[ $2 != *:* ]] || url="http://[$2]/"
  nsx "$1" curl -gsS --noproxy '*' --max-time 5 "$url"
}
