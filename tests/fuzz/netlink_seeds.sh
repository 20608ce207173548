#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Regenerates tests/fuzz/netlink_seeds/: builds a throw-away namespace holding what the
# netlink parsers must read (a veth pair; IPv4, IPv6, point-to-point and tentative addresses;
# permanent, stale, failed and proxy neighbours; unicast, default, ECMP, blackhole and
# other-table routes of both families) and dumps it with netlink_dump.py. Run as root.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
ns="xvsseed$$"
ip netns add "$ns"
trap 'ip netns del "$ns"' EXIT
nsip() { ip -n "$ns" "$@"; }
nsip link set lo up
nsip link add v0 address 02:00:00:00:00:01 type veth peer name v1 address 02:00:00:00:00:02
nsip link set v0 up
nsip link set v1 up mtu 9000
nsip addr add 10.0.0.1/24 dev v0
nsip addr add fd00::1/64 dev v0 nodad
nsip addr add 10.9.0.1 peer 10.9.0.2/32 dev v0
ip netns exec "$ns" sysctl -qw net.ipv6.conf.v1.accept_dad=2 net.ipv6.conf.v1.dad_transmits=50
nsip addr add fd01::1/64 dev v1  # tentative for a while: DAD runs
nsip neigh add 10.0.0.2 lladdr 02:00:00:00:00:02 dev v0 nud permanent
nsip neigh add 10.0.0.3 lladdr 02:00:00:00:00:03 dev v0 nud stale
nsip neigh add 10.0.0.4 dev v0 nud failed
nsip neigh add fd00::2 lladdr 02:00:00:00:00:02 dev v0 nud reachable
nsip neigh add proxy 10.0.0.99 dev v0
nsip route add default via 10.0.0.254
nsip route add 10.8.0.0/16 nexthop via 10.0.0.2 nexthop via 10.0.0.3 weight 2
nsip route add 10.7.0.0/16 via 10.0.0.2 table 100
nsip route add 10.6.0.0/16 via 10.0.0.2 table 1000
nsip route add blackhole 10.5.0.0/16
nsip -6 route add default via fd00::2 metric 10
nsip -6 route add fd02::/64 nexthop via fd00::2 dev v0 nexthop via fd00::3 dev v0
rm -f "$here"/netlink_seeds/*
ip netns exec "$ns" /usr/bin/python3 "$here/netlink_dump.py" "$here/netlink_seeds"
echo "$(find "$here/netlink_seeds" -type f | wc -l) seeds in $here/netlink_seeds"
