// SPDX-License-Identifier: Apache-2.0
// Helpers for Client tests: a small network to attach to, the error code a call throws, and
// everything observable about the configuration for before/after comparisons.
#pragma once

#include <catch2/catch.hpp>
#include <vector>
#include <xvs/xvs.hpp>

#include "../support/netns.hpp"

namespace xvs::test {

// A veth pair v0/v1 in a fresh namespace; the balancer owns 10.0.0.1/24 and fd00::1/64 on v0.
struct Network {
  ScopedNetns ns;
  Network() {
    ScopedNetns::sh("ip link add v0 type veth peer name v1");
    ScopedNetns::sh("ip addr add 10.0.0.1/24 dev v0");
    ScopedNetns::sh("ip addr add fd00::1/64 dev v0 nodad");
    ScopedNetns::sh("ip link set v0 up");
    ScopedNetns::sh("ip link set v1 up");
  }
};

// Client options with a small flow table, so that tests start fast.
inline Options small_options() {
  Options o;
  o.flows_per_cpu = 1024;
  return o;
}

template <typename F>
Errc error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  FAIL("no xvs::Error thrown");
  return Errc::system;
}

struct State {
  std::vector<Service> services;
  std::vector<std::vector<Destination>> destinations;
  std::vector<IPAddr> vips;
  Config config;
  bool operator==(const State&) const = default;
};

inline State state_of(Client& c) {
  State s;
  for (const auto& se : c.services()) {
    s.services.push_back(se.service);
    std::vector<Destination> ds;
    for (const auto& de : c.destinations(se.service)) ds.push_back(de.destination);
    s.destinations.push_back(ds);
  }
  for (const auto& v : c.vips()) s.vips.push_back(v.address);
  s.config = c.config();
  return s;
}

}  // namespace xvs::test
