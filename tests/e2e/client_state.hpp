// SPDX-License-Identifier: Apache-2.0
// Helpers for tests that check a failed Client call changed nothing: the error code a call
// throws, and everything observable about the configuration for before/after comparisons.
#pragma once

#include <catch2/catch.hpp>
#include <vector>
#include <xvs/xvs.hpp>

namespace xvs::test {

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
