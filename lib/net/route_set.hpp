// SPDX-License-Identifier: Apache-2.0
// The main-table routes that can decide the next hop of our destinations, kept current from
// route notifications without holding a full table (a BGP feed is a million routes).
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <vector>

#include "net/netinfo.hpp"
#include "net/netlink.hpp"

namespace xvs::detail {

// One route notification: what parse_route_key() and parse_route() made of it.
struct RouteChange {
  enum class Op { add, append, replace, remove };  // NEWROUTE (+NLM_F_APPEND/REPLACE), DELROUTE
  Op op = Op::add;
  RouteKey key;
  std::optional<Route> route;  // the unicast route; empty for a type the snapshot leaves out
};

// resolve() looks at routes in exactly two ways: routes whose prefix contains the backend,
// and a VLAN's most general route via a gateway (the smallest prefix length, then metric,
// of the routes out of one interface via one gateway). A table of up to `keep_all` routes is
// kept whole, as the dump gave it. A larger one keeps only
//  - every route containing one of the watched addresses (the destinations), and
//  - for each (interface, gateway), its kTopPerGateway most general routes; routes through
//    a nexthop object count by object, whatever gateway it has now (the most general
//    routes of each object include those of each gateway they lead to),
// which gives resolve() the same answers for the watched addresses as the whole table, and
// lets a gateway's most general route be withdrawn without a new scan. Route changes
// update that set where the outcome is certain; where it is not (a gateway's last known
// route withdrawn while it has unknown ones, a replacement among several routes of the same
// key, IPv6 multipath siblings merging), apply() asks for a new scan instead.
class RouteSet {
public:
  static constexpr std::size_t kKeepAll = 4096;
  static constexpr std::size_t kTopPerGateway = 8;

  explicit RouteSet(std::size_t keep_all = kKeepAll) : keep_all_(keep_all) {}

  // A scan of the whole main table: begin(), offer() for every route, end().
  void begin(const std::set<IPAddr>& watched);
  void offer(const Route& r);
  void end();

  enum class Outcome { unchanged, changed, rescan };
  Outcome apply(const RouteChange& c);

  // The addresses routes are kept for. False when some are new and the set does not keep
  // every route: only a scan can find theirs.
  bool watch(const std::set<IPAddr>& watched);

  const std::vector<Route>& routes() const { return routes_; }
  bool whole() const { return whole_; }  // every route of the table is kept

private:
  using Group = std::tuple<int, IPAddr, std::uint32_t>;  // interface, gateway, nexthop id
  static Group group_of(const Route& r) { return {r.ifindex, r.gateway, r.nhid}; }
  struct Top {
    std::vector<Route> routes;  // most general first
    bool truncated = false;     // the group has more routes, all less general than these
  };

  bool watched(const Prefix& dst) const;
  bool keeps(const Route& r) const { return whole_ || watched(r.dst); }
  bool insert(const Route& r);  // into routes_; false when already there
  bool enters(const Route& r) const;  // would be among its group's most general routes
  bool listed(const Route& r) const;  // is
  std::optional<Route> list(const Route& r);  // into its group's list; the one pushed out
  void enter(const Route& r);  // when enters(r): list(), and a route pushed out leaves routes_
  bool leave(const Route& r);  // false when the group's most general route is now unknown

  std::size_t keep_all_;
  bool whole_ = true;
  std::set<IPAddr> watched_;
  std::vector<Route> routes_;
  std::map<Group, Top> tops_;  // maintained while the set is not whole
};

}  // namespace xvs::detail
