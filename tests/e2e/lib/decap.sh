# SPDX-License-Identifier: Apache-2.0
# Backends that decapsulate the balancer's tunnels with cmd/xvs-decap, as docs/tunnels.md
# sets them up (source after netns.sh and check.sh).
#
#   decap_up DECAP FOU_PORT GUE_PORT ROLE...   start DECAP on each ROLE's eth0 for both VIPs,
#                                              peers the balancer; its log joins CHECK_LOGS,
#                                              its PID DECAP_PIDS
DECAP_PIDS=()

decap_up() {
  local decap=$1 fou=$2 gue=$3 role
  shift 3
  for role in "$@"; do
    net_spawn "$role" "$NET_TMP/decap-$role.log" "$decap" --vip "$NET_VIP4" --vip "$NET_VIP6" \
      --peer "$NET_LB4" --peer "$NET_LB6" --fou-port "$fou" --gue-port "$gue" -i 1 eth0
    DECAP_PIDS+=("$NET_PID")
    CHECK_LOGS+=("$NET_TMP/decap-$role.log")
    wait_line 10 "$NET_PID" "$NET_TMP/decap-$role.log" "^xvs-decap: eth0" ||
      fail "xvs-decap did not start on $role"
  done
}
