// SPDX-License-Identifier: Apache-2.0
// Helpers for tests of a Client following its destinations' routes: two routers, a service
// with tunnelled destinations (reached through a route's gateway), the next-hop MAC a
// destination has, and bounded waits for it to become a given one.
#pragma once

#include <chrono>
#include <string>
#include <thread>

#include <xvs/xvs.hpp>

#include "../support/netns.hpp"

namespace xvs::test {

constexpr auto kFollowBound = std::chrono::seconds(20);  // any wait; far above what is expected

// Two routers on the balancer's network (client_state.hpp's Network), with fixed MACs:
// A at 10.0.0.2 and fd00::2, B at 10.0.0.3 and fd00::3.
inline const MAC kMacA{0x02, 0, 0, 0, 0, 0xa1};
inline const MAC kMacB{0x02, 0, 0, 0, 0, 0xb1};

// Their permanent neighbour entries on v0.
inline void add_routers() {
  for (const char* a : {"10.0.0.2", "fd00::2"})
    ScopedNetns::sh(std::string("ip neigh replace ") + a +
                    " lladdr 02:00:00:00:00:a1 dev v0 nud permanent");
  for (const char* b : {"10.0.0.3", "fd00::3"})
    ScopedNetns::sh(std::string("ip neigh replace ") + b +
                    " lladdr 02:00:00:00:00:b1 dev v0 nud permanent");
}

inline Service web() { return Service{IPAddr::parse("192.0.2.10"), 80, Protocol::TCP, false}; }

inline Destination tunnelled(const char* addr) {
  Destination d;
  d.address = IPAddr::parse(addr);
  d.tunnel_type = TunnelType::IPIP;
  return d;
}

// All zero while the destination has no next hop (or its MAC is unresolved).
inline MAC mac_of(Client& c, const char* addr) {
  for (const auto& d : c.destinations(web()))
    if (d.destination.address == IPAddr::parse(addr)) return d.mac;
  return {};
}

inline bool wait_mac(Client& c, const char* addr, const MAC& want) {
  const auto start = std::chrono::steady_clock::now();
  while (mac_of(c, addr) != want) {
    if (std::chrono::steady_clock::now() - start > kFollowBound) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

// Milliseconds from running `change` (in the test's namespace) until the destination's
// next-hop MAC is `want`; negative when that did not happen within kFollowBound.
inline double react(Client& c, const char* addr, const std::string& change, const MAC& want) {
  const auto start = std::chrono::steady_clock::now();
  ScopedNetns::sh(change);
  while (mac_of(c, addr) != want) {
    if (std::chrono::steady_clock::now() - start > kFollowBound) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

}  // namespace xvs::test
