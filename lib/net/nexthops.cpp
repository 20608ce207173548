// SPDX-License-Identifier: Apache-2.0
#include "net/nexthops.hpp"

namespace xvs::detail {
namespace {

const Nexthop* find(const Nexthops& nexthops, std::uint32_t id) {
  const auto it = nexthops.find(id);
  return it == nexthops.end() ? nullptr : &it->second;
}

}  // namespace

std::optional<Route> through_nexthop(const Route& r, const Nexthops& nexthops) {
  if (r.nhid == 0) return r;
  const Nexthop* nh = find(nexthops, r.nhid);
  // The kernel does not nest groups; a member that is one leads nowhere.
  if (nh != nullptr && !nh->group.empty()) nh = find(nexthops, nh->group.front());
  if (nh == nullptr || !nh->group.empty() || nh->blackhole || nh->ifindex <= 0)
    return std::nullopt;
  if (nh->gateway.valid() && nh->gateway.is4() != r.dst.addr().is4()) return std::nullopt;
  Route out = r;
  out.gateway = nh->gateway;
  out.ifindex = nh->ifindex;
  return out;
}

std::vector<Route> through_nexthops(const std::vector<Route>& routes, const Nexthops& nexthops) {
  std::vector<Route> out;
  out.reserve(routes.size());
  for (const Route& r : routes)
    if (auto via = through_nexthop(r, nexthops)) out.push_back(*via);
  return out;
}

}  // namespace xvs::detail
