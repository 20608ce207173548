# SPDX-License-Identifier: Apache-2.0
# The xvsd part of `./scripts/demo.sh --xvsd`, sourced by demo.sh once the dependencies are
# installed, xvsd is built ($balancer) and the network helpers are loaded: the demo network
# run by the daemon from a vc5-style config, with a backend's web server stopped and started
# again to show the health checks take it out and put it back.
step "network"
net_up 3
rips=("$(net_b4 1)" "$(net_b4 2)" "$(net_b4 3)")
echo "client $NET_CLIENT4 -> VIP $NET_VIP4 via xvsd on $NET_LB4; backends ${rips[*]}"

config=$NET_TMP/xvsd.yaml
cat >"$config" <<YAML
vlans:
  1: $NET_LB4/24
services:
  - name: demo
    description: three HTTP backends
    virtual: $NET_VIP4
    servers: [${rips[0]}, ${rips[1]}, ${rips[2]}]
    need: 2
    interval: 0.5
    timeout: 0.4
    policy:
      http:
YAML
printf '  %-28s%s\n' "config" "$config:"
sed 's/^/                                  /' "$config"

step "xvsd"
log=$NET_TMP/xvsd.log
net_spawn lb "$log" "$balancer" "$config" eth0
xvsd_pid=$NET_PID
if ! wait_line 30 "$xvsd_pid" "$log" "event=vip_up"; then
  echo "the VIP did not come up within 30 s:"
  cat "$log"
  exit 1
fi
wait_for 10 bash -c "(( \$(grep -c event=backend_up '$log') >= 3 ))" || true
echo "VIP $NET_VIP4 up, $(grep -c event=backend_up "$log") backends healthy"

show() {  # show TITLE: the requests' spread
  local answers=$NET_TMP/answers failed n i
  http_names cl "http://$NET_VIP4/" "$requests" >"$answers" 2>/dev/null
  failed=$(grep -cx FAIL "$answers" || true)
  step "$1"
  echo "$((requests - failed)) of $requests answered"
  for ((i = 1; i <= 3; i++)); do
    n=$(grep -cx "b$i" "$answers" || true)
    printf '  %-28s%-3s %-10s %4d  %s\n' "" "b$i" "$(net_b4 "$i")" "$n" \
      "$(printf '%*s' $((n * 40 / requests)) '' | tr ' ' '#')"
  done
  TOTAL_FAILED=$((${TOTAL_FAILED:-0} + failed))
}
show "$requests HTTP requests"

# b2's web server stops (the processes in its namespace are the demo's own backend.py).
step "b2's web server stopped"
for pid in $(ip netns pids "${NET_PREFIX}b2"); do kill "$pid"; done
wait_line 10 "$xvsd_pid" "$log" "event=backend_down .*backend=$(net_b4 2)" &&
  echo "xvsd took it out:" || echo "xvsd did not notice within 10 s"
grep -m1 "event=backend_down .*backend=$(net_b4 2)" "$log" | sed 's/^/    /'
show "$requests more requests"

step "b2's web server started"
net_spawn b2 "$NET_TMP/b2.log" "$NET_PY" "$NET_LIB_DIR/backend.py" b2 "$NET_HTTP_PORT" "$NET_LINE_PORT"
wait_line 10 "$xvsd_pid" "$log" "event=backend_up .*backend=$(net_b4 2).*" &&
  wait_for 10 bash -c "(( \$(grep -c 'event=backend_up .*backend=$(net_b4 2)' '$log') >= 2 ))" &&
  echo "xvsd put it back:" || echo "xvsd did not put it back within 10 s"
grep "event=backend_up .*backend=$(net_b4 2)" "$log" | tail -n 1 | sed 's/^/    /'
show "$requests more requests"

net_stop "$xvsd_pid" || true
echo
echo "xvsd's log (structured lines, one per state change):"
grep -E 'event=(ready|backend_|service_|vip_|stop)' "$log" | sed 's/^/  /'
echo
net_down
echo "cleaned up: namespaces removed, XDP detached"
((TOTAL_FAILED == 0))
