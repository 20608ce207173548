// SPDX-License-Identifier: Apache-2.0
// rtnetlink (libmnl) access: dumps the current network state into a NetSnapshot.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "net/netinfo.hpp"
#include "net/nexthops.hpp"

struct nlmsghdr;

namespace xvs::detail {

// Dumps links, addresses, neighbours and main-table routes of the current network
// namespace, routes through nexthop objects resolved (through_nexthops()). Throws
// Error{Errc::system} when netlink fails.
NetSnapshot dump_network();

// The parts of dump_network() one at a time, for a caller that keeps them current.
std::vector<Link> dump_links();
std::vector<Address> dump_addresses();
std::vector<Neighbour> dump_neighbours();
// Empty on a kernel without nexthop objects (before Linux 5.3).
Nexthops dump_nexthops();
// Offers every main-table route to `each` without holding them all (a full BGP table is a
// million routes). `restart` runs before each attempt: when the kernel interrupts a dump,
// the routes offered so far are void and come again.
void scan_routes(const std::function<void()>& restart,
                 const std::function<void(const Route&)>& each);

// ifindex of an interface by name; 0 when it does not exist.
int interface_index(const std::string& name);

// The length of the leading run of whole netlink messages in a receive buffer of `len`
// bytes, each with its padding to 4 bytes: `len` for anything the kernel sends. libmnl
// 1.0.4 compares a message length with the bytes left as signed ints (a length of 2^31 or
// more sends mnl_cb_run past the buffer) and parses attributes up to a message's aligned end
// (past the buffer when it ends unpadded); callers hand it only this prefix.
std::size_t complete_messages(const void* buf, std::size_t len);

// One parser per rtnetlink message type, shared by the dump and by event subscriptions
// (RTNLGRP_LINK/IFADDR/NEIGH/ROUTE/NEXTHOP deliver the same messages). Each accepts the NEW and DEL
// variant of its type (the caller tells them apart by nlmsg_type) and returns nothing for
// another type, a truncated message, or an element the snapshot leaves out (a tentative IPv6
// address, a proxy neighbour, a route of another table or of a non-unicast type).
std::optional<Link> parse_link(const nlmsghdr*);            // RTM_NEWLINK, RTM_DELLINK
std::optional<Address> parse_address(const nlmsghdr*);      // RTM_NEWADDR, RTM_DELADDR
std::optional<Neighbour> parse_neighbour(const nlmsghdr*);  // RTM_NEWNEIGH, RTM_DELNEIGH
// A route naming a nexthop object (RTA_NH_ID) comes with its id only: the gateway and
// interface the kernel may add (nexthop_compat_mode=1) are the object's, which decides.
std::optional<Route> parse_route(const nlmsghdr*);          // RTM_NEWROUTE, RTM_DELROUTE
// Also nothing without an id, or with a gateway or group member list of the wrong size.
std::optional<Nexthop> parse_nexthop(const nlmsghdr*);      // RTM_NEWNEXTHOP, RTM_DELNEXTHOP

// Which main-table route an RTM_NEWROUTE or RTM_DELROUTE is about, whatever its type: a
// replacement removes the route of the same key (destination and metric) even when the new
// one is of a type parse_route() leaves out (blackhole, unreachable, ...).
struct RouteKey {
  Prefix dst;
  std::uint32_t priority = 0;
  bool multipath = false;  // carries RTA_MULTIPATH
};
std::optional<RouteKey> parse_route_key(const nlmsghdr*);

}  // namespace xvs::detail
