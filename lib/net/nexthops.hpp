// SPDX-License-Identifier: Apache-2.0
// Linux nexthop objects (`ip nexthop`): a route may name one by id (RTA_NH_ID) instead of
// carrying its gateway and interface, and with net.ipv4.nexthop_compat_mode=0 its messages
// carry only the id. The routes keep the id; what it stands for is looked up here when a
// snapshot is made, so that a nexthop replaced in place (one message, none per route) moves
// all its routes at once.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include <xvs/address.hpp>

#include "net/netinfo.hpp"

namespace xvs::detail {

struct Nexthop {
  std::uint32_t id = 0;
  IPAddr gateway;  // invalid: on-link, a blackhole or a group
  int ifindex = 0;
  bool blackhole = false;
  std::vector<std::uint32_t> group;  // member ids in the kernel's order; empty unless a group
  bool operator==(const Nexthop&) const = default;
};

using Nexthops = std::map<std::uint32_t, Nexthop>;  // by id

// `r` with the gateway and interface of the nexthop object it names; `r` itself when it
// names none. A group stands for its first member, as a multipath route for its first
// nexthop (the data plane sends a VLAN's remote traffic to one gateway). Nothing, i.e. no
// route, when the id is unknown, names a blackhole or a member that is not a known single
// nexthop with an interface, or a gateway of the other family (an IPv4 route via an IPv6
// gateway is not used, as with RTA_VIA).
std::optional<Route> through_nexthop(const Route& r, const Nexthops& nexthops);

// Every route through its nexthop object, those that lead nowhere left out.
std::vector<Route> through_nexthops(const std::vector<Route>& routes, const Nexthops& nexthops);

}  // namespace xvs::detail
