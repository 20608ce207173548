// SPDX-License-Identifier: Apache-2.0
// The network facts of a NetSnapshot kept current from rtnetlink notifications: links,
// addresses, neighbours and nexthop objects whole, routes as far as they decide our
// destinations' next hops (route_set.hpp). Pure: the dumps and the subscription are net_tracker.hpp's.
#pragma once

#include <optional>
#include <set>
#include <variant>
#include <vector>

#include "net/netinfo.hpp"
#include "net/nexthops.hpp"
#include "net/route_set.hpp"

struct nlmsghdr;

namespace xvs::detail {

// What one notification changes.
struct NetChange {
  // RTM_DELLINK, RTM_DELADDR, RTM_DELNEIGH, RTM_DELNEXTHOP (a route says it in its op)
  bool removed = false;
  std::variant<Link, Address, Neighbour, Nexthop, RouteChange> what;
};

// Nothing for a message no snapshot element depends on (another table, a proxy neighbour, a
// tentative address, another message type).
std::optional<NetChange> parse_change(const nlmsghdr* nlh);

class NetState {
public:
  explicit NetState(std::size_t keep_all = RouteSet::kKeepAll) : routes_(keep_all) {}

  // After a full dump: links, addresses, neighbours and nexthop objects; the routes come by
  // scan (routes()).
  void reset(std::vector<Link> links, std::vector<Address> addresses,
             std::vector<Neighbour> neighbours, Nexthops nexthops);
  RouteSet& routes() { return routes_; }

  // `resync`: only a full dump is sure to be right (the kernel drops IPv4 routes without a
  // word when an interface goes down or loses its last address, for one).
  enum class Outcome { unchanged, changed, resync };
  Outcome apply(const NetChange& change);

  // Routes through nexthop objects with their gateways and interfaces (through_nexthops()).
  NetSnapshot snapshot() const;

private:
  Outcome apply(const Link& l, bool removed);
  Outcome apply(const Address& a, bool removed);
  Outcome apply(const Neighbour& n, bool removed);
  Outcome apply(const Nexthop& nh, bool removed);

  std::vector<Link> links_;
  std::vector<Address> addresses_;
  std::vector<Neighbour> neighbours_;
  Nexthops nexthops_;
  RouteSet routes_;
};

}  // namespace xvs::detail
