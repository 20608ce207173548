// SPDX-License-Identifier: Apache-2.0
#include "net/route_set.hpp"

#include <algorithm>
#include <tuple>

namespace xvs::detail {
namespace {

// The order of gateway_route(v, false) in netinfo.cpp within one group (interface and
// gateway, or nexthop object, fixed): most general first.
auto generality(const Route& r) { return std::tuple(r.dst.bits(), r.priority, r.dst); }

bool more_general(const Route& a, const Route& b) { return generality(a) < generality(b); }

bool same_key(const Route& r, const RouteKey& k) {
  return r.dst == k.dst && r.priority == k.priority;
}

}  // namespace

void RouteSet::begin(const std::set<IPAddr>& watched) {
  watched_ = watched;
  whole_ = true;
  routes_.clear();
  tops_.clear();
}

void RouteSet::offer(const Route& r) {
  if (enters(r)) list(r);
  if (!whole_) {
    if (watched(r.dst)) insert(r);
    return;
  }
  routes_.push_back(r);  // as the dump gives them, duplicates included
  if (routes_.size() > keep_all_) {
    whole_ = false;
    std::erase_if(routes_, [&](const Route& x) { return !watched(x.dst); });
  }
}

void RouteSet::end() {
  if (whole_) return;
  for (const auto& [_, top] : tops_)
    for (const Route& r : top.routes) insert(r);
}

bool RouteSet::watch(const std::set<IPAddr>& watched) {
  if (!whole_ && !std::includes(watched_.begin(), watched_.end(), watched.begin(),
                                watched.end()))
    return false;
  // Routes kept for addresses no longer watched stay until the next scan: a superset of
  // the deciding routes gives the same answers.
  watched_ = watched;
  return true;
}

RouteSet::Outcome RouteSet::apply(const RouteChange& c) {
  const auto with_key = std::count_if(routes_.begin(), routes_.end(),
                                      [&](const Route& r) { return same_key(r, c.key); });
  // IPv6 keeps the routes of one key with gateways as siblings of one multipath route:
  // adding, appending or withdrawing one changes which sibling the dump shows first
  // (parse_route's choice), which a single notification does not tell.
  if (c.key.dst.addr().is6() &&
      (with_key > 0 || c.key.multipath || c.op == RouteChange::Op::append)) {
    const bool relevant =
        with_key > 0 || (c.route && (keeps(*c.route) || (!whole_ && (enters(*c.route) ||
                                                                     listed(*c.route)))));
    if (relevant) return Outcome::rescan;
  }

  if (c.op == RouteChange::Op::remove) {
    if (!c.route) return Outcome::unchanged;  // of a type never kept
    if (!whole_ && !leave(*c.route)) return Outcome::rescan;
    const auto it = std::find(routes_.begin(), routes_.end(), *c.route);
    if (it != routes_.end()) {
      routes_.erase(it);
      return Outcome::changed;
    }
    return with_key > 0 ? Outcome::rescan : Outcome::unchanged;
  }

  bool changed = false;
  if (c.op == RouteChange::Op::replace && with_key > 0) {
    if (with_key > 1) return Outcome::rescan;  // which one the kernel replaced is not told
    const auto old = std::find_if(routes_.begin(), routes_.end(),
                                  [&](const Route& r) { return same_key(r, c.key); });
    const Route replaced = *old;
    routes_.erase(old);
    if (!whole_ && !leave(replaced)) return Outcome::rescan;
    changed = true;
  }
  if (c.route) {
    if (keeps(*c.route)) changed |= insert(*c.route);
    if (!whole_ && enters(*c.route)) {
      enter(*c.route);
      changed = true;
    }
    if (whole_ && routes_.size() > 2 * keep_all_) return Outcome::rescan;  // time to filter
  }
  return changed ? Outcome::changed : Outcome::unchanged;
}

bool RouteSet::watched(const Prefix& dst) const {
  const auto it = watched_.lower_bound(dst.masked().addr());
  return it != watched_.end() && dst.contains(*it);
}

bool RouteSet::insert(const Route& r) {
  if (std::find(routes_.begin(), routes_.end(), r) != routes_.end()) return false;
  routes_.push_back(r);
  return true;
}

bool RouteSet::enters(const Route& r) const {
  if ((!r.gateway.valid() && r.nhid == 0) || listed(r)) return false;
  const auto it = tops_.find(group_of(r));
  if (it == tops_.end()) return true;
  const Top& top = it->second;
  // A truncated list takes only routes more general than its last: any it dropped could
  // come between.
  if (!top.truncated && top.routes.size() < kTopPerGateway) return true;
  return !top.routes.empty() && more_general(r, top.routes.back());
}

bool RouteSet::listed(const Route& r) const {
  const auto it = tops_.find(group_of(r));
  return it != tops_.end() &&
         std::find(it->second.routes.begin(), it->second.routes.end(), r) !=
             it->second.routes.end();
}

std::optional<Route> RouteSet::list(const Route& r) {
  auto& top = tops_[group_of(r)];
  top.routes.insert(std::upper_bound(top.routes.begin(), top.routes.end(), r, more_general),
                    r);
  if (top.routes.size() <= kTopPerGateway) return std::nullopt;
  const Route out = top.routes.back();
  top.routes.pop_back();
  top.truncated = true;
  return out;
}

void RouteSet::enter(const Route& r) {
  insert(r);
  if (const auto out = list(r); out && !watched(out->dst)) std::erase(routes_, *out);
}

bool RouteSet::leave(const Route& r) {
  const auto it = tops_.find(group_of(r));
  if (it == tops_.end()) return true;
  Top& top = it->second;
  std::erase(top.routes, r);
  if (!top.routes.empty() || !top.truncated) {
    if (top.routes.empty()) tops_.erase(it);
    return true;
  }
  return false;
}

}  // namespace xvs::detail
