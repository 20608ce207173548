# SPDX-License-Identifier: Apache-2.0
# A backend in another subnet, behind a router on the bridge of lib/netns.sh (source after it,
# and after net_up):
#
#   bridge ── router (rt) ── backend ROLE
#     eth0 10.0.0.254, fd00::fe    eth1 10.1.0.1, fd01::1 ── eth0 10.1.0.2, fd01::2
#
# The router forwards both families; the backend's default routes point at it, so its
# replies to the client go through the router, never through the balancer. The balancer is
# given routes to the backend's subnet via the router (its gateway on the bridge); the
# client needs none: the backend answers from the VIP.
#
#   routed_up ROLE   build it, ROLE running backend.py; returns once ROLE serves and reaches
#                    the bridge through the router

NET_ROUTER4=10.0.0.254
NET_ROUTER6=fd00::fe
NET_ROUTER_MAC=02:00:00:00:00:fe
NET_REMOTE4=10.1.0.2
NET_REMOTE6=fd01::2

routed_up() {
  local role=$1
  net_host rt "$NET_ROUTER_MAC" "$NET_ROUTER4" "$NET_ROUTER6"
  nsx rt sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
  net_ns "$role"
  ip -n "${NET_PREFIX}rt" link add eth1 type veth peer name eth0 netns "$NET_PREFIX$role"
  ip -n "${NET_PREFIX}rt" addr add 10.1.0.1/24 dev eth1
  ip -n "${NET_PREFIX}rt" addr add fd01::1/64 dev eth1 nodad
  ip -n "${NET_PREFIX}rt" link set eth1 up
  ip -n "$NET_PREFIX$role" addr add "$NET_REMOTE4/24" dev eth0
  ip -n "$NET_PREFIX$role" addr add "$NET_REMOTE6/64" dev eth0 nodad
  ip -n "$NET_PREFIX$role" link set eth0 up
  ip -n "$NET_PREFIX$role" route add default via 10.1.0.1
  ip -n "$NET_PREFIX$role" -6 route add default via fd01::1
  ip -n "${NET_PREFIX}lb" route add 10.1.0.0/24 via "$NET_ROUTER4"
  ip -n "${NET_PREFIX}lb" -6 route add fd01::/64 via "$NET_ROUTER6"
  net_serve "$role"
  wait_for 10 net_listening "$role" ||
    { echo "backend $role did not start:" >&2; cat "$NET_TMP/$role.log" >&2; return 1; }
  local peer
  for peer in "$NET_ROUTER4" "$NET_ROUTER6"; do
    wait_for 10 nsx "$role" ping -c1 -W1 "$peer" ||
      { echo "network: $role cannot reach the bridge side of the router, $peer" >&2; return 1; }
  done
}
