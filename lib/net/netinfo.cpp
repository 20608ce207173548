// SPDX-License-Identifier: Apache-2.0
// How a backend is reached, decided from a snapshot alone. Precedence, for the backend's
// address family (IPv4 backends use config.ipv4_vlans, IPv6 backends config.ipv6_vlans; the
// families never mix):
//  With VLANs configured for the family:
//   1. a VLAN prefix containing the backend (the longest, then the lowest ID): local;
//   2. else the longest config.routes prefix containing the backend names the VLAN: remote
//      via that VLAN's gateway;
//   3. else the kernel's best route to the backend out of a VLAN's interface with a gateway
//      on that VLAN: remote via that gateway.
//  With none configured for the family (the interfaces' own networks act as VLANs):
//   4. a connected prefix of an attached interface, or of an 802.1Q child of one, containing
//      the backend (the longest): local;
//   5. else the best route to the backend out of such an interface: remote via its gateway
//      (local when the route has no gateway, i.e. is on-link).
// "Best route" is always the longest prefix, then the lowest metric. Ties everywhere are
// broken by values (ifindex, address), never by snapshot order, so the answer does not
// depend on the order of the dump.
#include "net/netinfo.hpp"

#include <algorithm>
#include <tuple>

#include <fmt/format.h>

namespace xvs::detail {
namespace {

// Link-local IPv6 (fe80::/10) is never a VLAN address nor a source (but can be a gateway).
bool link_local(const IPAddr& ip) {
  return ip.is6() && ip.bytes()[0] == 0xfe && (ip.bytes()[1] & 0xc0) == 0x80;
}

const char* family_name(const IPAddr& ip) { return ip.is4() ? "IPv4" : "IPv6"; }

// The element of `items` accepted by `usable` with the smallest `rank`; nullptr if none.
template <class T, class Usable, class Rank>
const T* best_of(const std::vector<T>& items, Usable usable, Rank rank) {
  const T* best = nullptr;
  for (const auto& item : items)
    if (usable(item) && (best == nullptr || rank(item) < rank(*best))) best = &item;
  return best;
}

// Longest prefix, then lowest metric; the rest only makes the order total.
auto route_rank(const Route& r) {
  return std::tuple(-r.dst.bits(), r.priority, r.gateway, r.ifindex, r.dst);
}

// A network we are on, as it applies to one backend.
struct Vlan {
  std::uint16_t id = 0;
  Prefix prefix;  // host bits cleared
  const Link* link = nullptr;  // interface holding our address on it
  IPAddr src;                  // that address
};

// How the backend is reached, before interface and neighbour are checked.
struct Choice {
  Vlan vlan;
  bool local = false;
  IPAddr gateway;  // remote: set when a route made the choice, else the VLAN's gateway
};

class Resolver {
public:
  Resolver(const NetSnapshot& net, std::span<const int> attached, const IPAddr& backend)
      : net_(net), attached_(attached), backend_(backend) {}

  std::string problem;

  // Steps 1-3 of the precedence above.
  std::optional<Choice> choose_configured(const std::map<std::uint16_t, Prefix>& vlans,
                                          const std::map<Prefix, std::uint16_t>& routes) {
    const std::pair<const std::uint16_t, Prefix>* vlan = nullptr;
    for (const auto& entry : vlans)
      if (entry.second.contains(backend_) &&
          (vlan == nullptr || entry.second.bits() > vlan->second.bits()))
        vlan = &entry;
    if (vlan != nullptr) return Choice{configured(vlan->first, vlan->second), true, {}};

    const std::pair<const Prefix, std::uint16_t>* route = nullptr;
    for (const auto& entry : routes)
      if (entry.first.contains(backend_) &&
          (route == nullptr || entry.first.bits() > route->first.bits()))
        route = &entry;
    if (route != nullptr) {
      const auto it = vlans.find(route->second);
      if (it == vlans.end())
        return fail("route {} for {} names VLAN {}, which has no {} prefix configured",
                    route->first, backend_, route->second, family_name(backend_));
      return Choice{configured(it->first, it->second), false, {}};
    }

    std::optional<Choice> choice;
    const Route* best = nullptr;
    for (const auto& [id, ours] : vlans) {
      const Vlan v = configured(id, ours);
      const Route* r = gateway_route(v, true);
      if (r != nullptr && (best == nullptr || route_rank(*r) < route_rank(*best))) {
        best = r;
        choice = Choice{v, false, r->gateway};
      }
    }
    if (!choice) return fail("no VLAN, configured route or kernel route reaches {}", backend_);
    return choice;
  }

  // Steps 4-5 of the precedence above.
  std::optional<Choice> choose_connected() {
    const Address* connected = best_of(
        net_.addresses,
        [&](const Address& a) {
          return a.prefix.contains(backend_) && !link_local(a.prefix.addr()) &&
                 on_attached(a.ifindex);
        },
        [](const Address& a) { return std::tuple(-a.prefix.bits(), a.ifindex, a.prefix); });
    if (connected != nullptr) return Choice{interface_vlan(connected->ifindex, backend_), true, {}};

    const Route* route = best_of(
        net_.routes,
        [&](const Route& r) { return r.dst.contains(backend_) && on_attached(r.ifindex); },
        route_rank);
    if (route == nullptr)
      return fail("no attached interface has a connected prefix or route reaching {}",
                  backend_);
    const bool on_link = !route->gateway.valid();
    return Choice{interface_vlan(route->ifindex, on_link ? backend_ : route->gateway), on_link,
                  route->gateway};
  }

  std::optional<NextHop> next_hop(const Choice& c) {
    const Vlan& v = c.vlan;
    if (v.link == nullptr)
      return fail("VLAN {} ({}) is on no interface: none has an address inside it", v.id,
                  v.prefix);
    NextHop h;
    if (attached(v.link->ifindex)) {
      h.ifindex = v.link->ifindex;
    } else if (v.link->parent != 0 && attached(v.link->parent)) {
      if (v.link->vlan_id != v.id)
        return fail("VLAN {} ({}) is on {}, whose 802.1Q VLAN ID is {}", v.id, v.prefix,
                    v.link->name, v.link->vlan_id);
      h.ifindex = v.link->parent;
    } else {
      return fail("VLAN {} ({}) is on {}, which is not attached", v.id, v.prefix, v.link->name);
    }
    if (!v.src.valid())
      return fail("{} has no {} address to send from", v.link->name, family_name(backend_));

    h.vlan_id = v.id;
    h.link = v.link->ifindex;
    h.mtu = v.link->mtu;
    h.src_mac = v.link->mac;
    h.src = v.src;
    h.hop = c.local ? backend_ : c.gateway;
    if (!h.hop.valid()) {
      const Route* r = gateway_route(v, true);
      if (r == nullptr) r = gateway_route(v, false);
      if (r == nullptr)
        return fail("VLAN {} ({}) has no gateway: no route on {} via an address inside it",
                    v.id, v.prefix, v.link->name);
      h.hop = r->gateway;
    }
    for (const auto& n : net_.neighbours)
      if (n.usable && n.ifindex == v.link->ifindex && n.ip == h.hop) {
        h.hop_mac = n.mac;
        h.resolved = true;
      }
    return h;
  }

  template <class... Args>
  std::nullopt_t fail(fmt::format_string<Args...> format, Args&&... args) {
    problem = fmt::format(format, std::forward<Args>(args)...);
    return std::nullopt;
  }

private:
  const Link* link(int ifindex) const {
    const auto it = std::find_if(net_.links.begin(), net_.links.end(),
                                 [&](const Link& l) { return l.ifindex == ifindex; });
    return it == net_.links.end() ? nullptr : &*it;
  }

  bool attached(int ifindex) const {
    return ifindex != 0 &&
           std::find(attached_.begin(), attached_.end(), ifindex) != attached_.end();
  }

  // An attached interface, or an 802.1Q child of one.
  bool on_attached(int ifindex) const {
    const Link* l = link(ifindex);
    return l != nullptr && (attached(l->ifindex) || attached(l->parent));
  }

  // A configured VLAN: the interface holding an address inside `ours`, preferring the exact
  // configured address and length, then the lowest ifindex and address.
  Vlan configured(std::uint16_t id, const Prefix& ours) const {
    Vlan v{id, ours.masked(), nullptr, {}};
    const Address* a = best_of(
        net_.addresses,
        [&](const Address& x) {
          return v.prefix.contains(x.prefix.addr()) && !link_local(x.prefix.addr()) &&
                 link(x.ifindex) != nullptr;
        },
        [&](const Address& x) { return std::tuple(x.prefix != ours, x.ifindex, x.prefix); });
    if (a != nullptr) {
      v.link = link(a->ifindex);
      v.src = a->prefix.addr();
    }
    return v;
  }

  // An interface's own network when no VLAN is configured: untagged on an attached interface,
  // the child's VLAN ID on an 802.1Q child. Our address is the one whose prefix holds `hop`
  // (the longest), else the lowest of the backend's family.
  Vlan interface_vlan(int ifindex, const IPAddr& hop) const {
    Vlan v;
    v.link = link(ifindex);
    v.id = attached(ifindex) ? 0 : v.link->vlan_id;
    const Address* a = best_of(
        net_.addresses,
        [&](const Address& x) {
          return x.ifindex == ifindex && x.prefix.addr().is4() == backend_.is4() &&
                 !link_local(x.prefix.addr());
        },
        [&](const Address& x) {
          return std::tuple(!x.prefix.contains(hop), -x.prefix.bits(), x.prefix);
        });
    if (a != nullptr) {
      v.prefix = a->prefix.masked();
      v.src = a->prefix.addr();
    }
    return v;
  }

  // A route out of the VLAN's interface via a gateway on the VLAN: inside its prefix, or an
  // IPv6 link-local router (router advertisements install those), which is on the link by
  // definition. `to_backend`: the best one containing the backend; otherwise the VLAN's most
  // general one (its default route), for backends that config.routes sends to a VLAN the
  // kernel has no route for.
  const Route* gateway_route(const Vlan& v, bool to_backend) const {
    if (v.link == nullptr) return nullptr;
    const auto on_vlan = [&](const Route& r) {
      return r.ifindex == v.link->ifindex && r.gateway.valid() &&
             (v.prefix.contains(r.gateway) || link_local(r.gateway)) &&
             (!to_backend || r.dst.contains(backend_));
    };
    if (to_backend) return best_of(net_.routes, on_vlan, route_rank);
    return best_of(net_.routes, on_vlan, [](const Route& r) {
      return std::tuple(r.dst.bits(), r.priority, r.gateway, r.dst);
    });
  }

  const NetSnapshot& net_;
  std::span<const int> attached_;
  IPAddr backend_;
};

}  // namespace

IPAddr address_on(const NetSnapshot& net, int ifindex, bool ipv4) {
  const Address* a = best_of(
      net.addresses,
      [&](const Address& x) {
        return x.ifindex == ifindex && x.prefix.addr().is4() == ipv4 &&
               !link_local(x.prefix.addr());
      },
      [](const Address& x) { return x.prefix.addr(); });
  return a == nullptr ? IPAddr{} : a->prefix.addr();
}

Resolution resolve(const NetSnapshot& net, const Config& config, std::span<const int> attached,
                   const IPAddr& backend, bool layer2) {
  Resolution result;
  if (!backend.valid()) {
    result.problem = "the backend address is not set";
    return result;
  }
  Resolver r(net, attached, backend);
  const auto& vlans = backend.is4() ? config.ipv4_vlans : config.ipv6_vlans;
  const auto choice = vlans.empty() ? r.choose_connected() : r.choose_configured(vlans, config.routes);
  if (choice && layer2 && !choice->local)
    r.problem = fmt::format("{} is not on a local VLAN (layer-2 destinations must be)", backend);
  else if (choice)
    result.next_hop = r.next_hop(*choice);
  result.problem = std::move(r.problem);
  return result;
}

}  // namespace xvs::detail
