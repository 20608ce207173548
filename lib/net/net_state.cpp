// SPDX-License-Identifier: Apache-2.0
#include "net/net_state.hpp"

#include <algorithm>
#include <utility>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "net/netlink.hpp"

namespace xvs::detail {
namespace {

bool removal(const nlmsghdr* nlh) {
  return nlh->nlmsg_type == RTM_DELLINK || nlh->nlmsg_type == RTM_DELADDR ||
         nlh->nlmsg_type == RTM_DELNEIGH || nlh->nlmsg_type == RTM_DELROUTE ||
         nlh->nlmsg_type == RTM_DELNEXTHOP;
}

RouteChange::Op route_op(const nlmsghdr* nlh) {
  if (nlh->nlmsg_type == RTM_DELROUTE) return RouteChange::Op::remove;
  if ((nlh->nlmsg_flags & NLM_F_REPLACE) != 0) return RouteChange::Op::replace;
  if ((nlh->nlmsg_flags & NLM_F_APPEND) != 0) return RouteChange::Op::append;
  return RouteChange::Op::add;
}

}  // namespace

std::optional<NetChange> parse_change(const nlmsghdr* nlh) {
  const bool removed = removal(nlh);
  if (auto l = parse_link(nlh)) return NetChange{removed, std::move(*l)};
  if (auto a = parse_address(nlh)) return NetChange{removed, *a};
  if (auto n = parse_neighbour(nlh)) return NetChange{removed, *n};
  if (auto nh = parse_nexthop(nlh)) return NetChange{removed, std::move(*nh)};
  if (auto k = parse_route_key(nlh))
    return NetChange{removed, RouteChange{route_op(nlh), *k, parse_route(nlh)}};
  return std::nullopt;
}

void NetState::reset(std::vector<Link> links, std::vector<Address> addresses,
                     std::vector<Neighbour> neighbours, Nexthops nexthops) {
  links_ = std::move(links);
  addresses_ = std::move(addresses);
  neighbours_ = std::move(neighbours);
  nexthops_ = std::move(nexthops);
}

NetState::Outcome NetState::apply(const NetChange& change) {
  if (const auto* r = std::get_if<RouteChange>(&change.what)) {
    switch (routes_.apply(*r)) {
      case RouteSet::Outcome::unchanged: return Outcome::unchanged;
      case RouteSet::Outcome::changed: return Outcome::changed;
      case RouteSet::Outcome::rescan: return Outcome::resync;
    }
  }
  if (const auto* l = std::get_if<Link>(&change.what)) return apply(*l, change.removed);
  if (const auto* a = std::get_if<Address>(&change.what)) return apply(*a, change.removed);
  if (const auto* nh = std::get_if<Nexthop>(&change.what)) return apply(*nh, change.removed);
  return apply(std::get<Neighbour>(change.what), change.removed);
}

NetState::Outcome NetState::apply(const Link& l, bool removed) {
  const auto it = std::find_if(links_.begin(), links_.end(),
                               [&](const Link& x) { return x.ifindex == l.ifindex; });
  // Going down (or away) takes the interface's IPv4 routes with it, unannounced; coming up
  // brings its prefix routes back.
  if (removed) {
    if (it != links_.end()) links_.erase(it);
    return Outcome::resync;
  }
  if (it == links_.end()) {
    links_.push_back(l);
    return Outcome::changed;
  }
  if (it->up != l.up) return Outcome::resync;
  const bool same = it->name == l.name && it->mac == l.mac && it->mtu == l.mtu &&
                    it->parent == l.parent && it->vlan_id == l.vlan_id;
  *it = l;
  return same ? Outcome::unchanged : Outcome::changed;
}

NetState::Outcome NetState::apply(const Address& a, bool removed) {
  const auto it = std::find_if(addresses_.begin(), addresses_.end(), [&](const Address& x) {
    return x.ifindex == a.ifindex && x.prefix == a.prefix;
  });
  // Routes through an interface's last IPv4 address, or from a removed source address,
  // go with it, unannounced.
  if (removed) {
    if (it != addresses_.end()) addresses_.erase(it);
    return Outcome::resync;
  }
  if (it != addresses_.end()) return Outcome::unchanged;
  addresses_.push_back(a);
  return Outcome::changed;
}

NetState::Outcome NetState::apply(const Neighbour& n, bool removed) {
  const auto it = std::find_if(neighbours_.begin(), neighbours_.end(), [&](const Neighbour& x) {
    return x.ifindex == n.ifindex && x.ip == n.ip;
  });
  if (removed) {
    if (it == neighbours_.end()) return Outcome::unchanged;
    neighbours_.erase(it);
    return Outcome::changed;
  }
  if (it == neighbours_.end()) {
    neighbours_.push_back(n);
    return Outcome::changed;
  }
  const bool same = it->mac == n.mac && it->usable == n.usable;
  *it = n;
  return same ? Outcome::unchanged : Outcome::changed;
}

NetState::Outcome NetState::apply(const Nexthop& nh, bool removed) {
  // Removing one takes the routes through it with it (and through a group it leaves
  // empty), unannounced: the kernel (6.18) sends no RTM_DELROUTE for them. Kept, they would
  // lead nowhere until a new object took the id, and then wrongly through it.
  if (removed) {
    nexthops_.erase(nh.id);
    return Outcome::resync;
  }
  // A new or replaced one: its routes follow at the next snapshot(), the kernel sends
  // nothing for them (with nexthop_compat_mode=0).
  auto [it, added] = nexthops_.try_emplace(nh.id, nh);
  if (added) return Outcome::changed;
  if (it->second == nh) return Outcome::unchanged;
  it->second = nh;
  return Outcome::changed;
}

NetSnapshot NetState::snapshot() const {
  return NetSnapshot{links_, addresses_, neighbours_,
                     through_nexthops(routes_.routes(), nexthops_)};
}

}  // namespace xvs::detail
