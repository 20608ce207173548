// SPDX-License-Identifier: Apache-2.0
// Network facts as a plain snapshot, and the pure function that decides how a backend is
// reached from it: which VLAN, which interface, our addresses on it, and the next hop's MAC.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <xvs/address.hpp>
#include <xvs/types.hpp>

namespace xvs::detail {

struct Link {
  int ifindex = 0;
  std::string name;
  MAC mac{};
  std::uint32_t mtu = 1500;
  bool up = false;
  int parent = 0;           // lower device of an 802.1Q interface, else 0
  std::uint16_t vlan_id = 0;  // 802.1Q VLAN ID when this is a VLAN interface
};

struct Address {
  int ifindex = 0;
  Prefix prefix;  // the address itself with its prefix length, e.g. 10.1.2.3/24
};

struct Neighbour {
  int ifindex = 0;
  IPAddr ip;
  MAC mac{};
  bool usable = false;  // has a link-layer address (REACHABLE, STALE, DELAY, PROBE, PERMANENT)
};

struct Route {
  Prefix dst;      // 0.0.0.0/0 for a default route
  IPAddr gateway;  // invalid when directly connected
  int ifindex = 0;
  std::uint32_t priority = 0;  // metric; lower wins
  // A nexthop object (RTA_NH_ID) holding gateway and interface instead: both left unset
  // until through_nexthop() (nexthops.hpp) fills them in. 0: none.
  std::uint32_t nhid = 0;
  bool operator==(const Route&) const = default;
};

struct NetSnapshot {
  std::vector<Link> links;
  std::vector<Address> addresses;
  std::vector<Neighbour> neighbours;
  std::vector<Route> routes;  // main table
};

// How to reach one backend.
struct NextHop {
  std::uint16_t vlan_id = 0;  // VLAN of the backend (0: untagged network of an interface)
  int ifindex = 0;            // attached interface the frame leaves by
  std::uint32_t mtu = 1500;   // of the VLAN's interface
  MAC src_mac{};              // our MAC on the VLAN
  IPAddr src;                 // our address on the VLAN, same family as the backend
  IPAddr hop;                 // backend itself when on the VLAN, else the VLAN's gateway
  MAC hop_mac{};              // all zero while the neighbour is unresolved
  bool resolved = false;      // hop_mac is valid
  int link = 0;               // interface holding `src`: ifindex, or an 802.1Q child of it
  bool operator==(const NextHop&) const = default;
};

struct Resolution {
  std::optional<NextHop> next_hop;  // empty when the backend cannot be reached
  std::string problem;              // why, when empty ("no VLAN contains 10.9.9.9", ...)
};

// Decides how `backend` is reached. `attached` lists the ifindexes the data plane runs on.
// VLANs come from `config` (VLAN ID -> a prefix; the interface holding an address in that
// prefix is the VLAN's interface; the backend's family picks ipv4_vlans or ipv6_vlans). The
// prefix's address is our own, the network's (host part zero), or else the VLAN's router
// (xvs's meaning). `config.routes` picks the VLAN for remote backend prefixes, else the
// kernel route out of a VLAN's interface or a VLAN's router. With no VLAN configured for the
// family, the connected prefixes of the attached interfaces (and their 802.1Q children) act
// as VLANs (ID 0 when untagged), and their routes reach remote backends. `layer2` requires
// the backend to be directly on the VLAN; otherwise the VLAN's router, or its gateway (the
// best route via an address inside the VLAN prefix), is the next hop for remote backends.
// The full precedence is documented in netinfo.cpp.
// Pure and deterministic: unreachable backends are reported in Resolution::problem.
Resolution resolve(const NetSnapshot& net, const Config& config, std::span<const int> attached,
                   const IPAddr& backend, bool layer2);

// Our lowest address of the family on interface `ifindex` (link-local IPv6 excluded), for a
// packet of that family sent on the VLAN that interface stands for; invalid when none.
IPAddr address_on(const NetSnapshot& net, int ifindex, bool ipv4);

}  // namespace xvs::detail
