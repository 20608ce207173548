// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include <map>

#include "dataplane/counter_levels.hpp"

using namespace xvs::detail;

namespace {

// Slots as the data plane would hold them: packets only, the other counters alike.
struct Slots {
  std::map<std::uint32_t, xvs_counters> slot;
  void count(std::uint32_t s, std::uint64_t n = 1) {
    slot[s].packets += n;
    slot[s].octets += 100 * n;
  }
  CounterLevels levels{[this](std::uint32_t s) {
    auto it = slot.find(s);
    return it == slot.end() ? xvs_counters{} : it->second;
  }};
  std::uint64_t packets(std::uint32_t s) const { return levels.read(s).packets; }
};

constexpr std::uint32_t kGlobal = XVS_COUNTERS_GLOBAL, kVip = XVS_COUNTERS_VIP(1),
                        kVip2 = XVS_COUNTERS_VIP(2), kSvc = XVS_COUNTERS_SERVICE(1),
                        kSvc2 = XVS_COUNTERS_SERVICE(2), kDest = XVS_COUNTERS_DEST(1),
                        kDest2 = XVS_COUNTERS_DEST(2);

void link_all(Slots& s) {
  s.levels.link(kVip, kGlobal);
  s.levels.link(kSvc, kVip);
  s.levels.link(kDest, kSvc);
  s.levels.link(kDest2, kSvc);
}

}  // namespace

TEST_CASE("a level is its slot plus the levels below it", "[counters]") {
  Slots s;
  link_all(s);
  s.count(kDest, 5);
  s.count(kDest2, 2);
  s.count(kSvc, 1);  // no backend
  s.count(kVip, 3);  // no service
  CHECK(s.packets(kDest) == 5);
  CHECK(s.packets(kSvc) == 8);
  CHECK(s.packets(kVip) == 11);
  CHECK(s.packets(kGlobal) == 11);
  CHECK(s.levels.read(kGlobal).octets == 1100);
  s.levels.link(kDest, kSvc);  // again: nothing changes
  CHECK(s.packets(kGlobal) == 11);
}

TEST_CASE("a reset level reads 0 and its parent keeps its count", "[counters]") {
  Slots s;
  link_all(s);
  s.count(kDest, 5);
  s.levels.reset(kDest);
  CHECK(s.packets(kDest) == 0);
  CHECK(s.packets(kSvc) == 5);
  s.count(kDest, 1);
  CHECK(s.packets(kDest) == 1);
  CHECK(s.packets(kGlobal) == 6);
  s.levels.reset(kSvc);
  CHECK(s.packets(kSvc) == 0);
  CHECK(s.packets(kDest) == 1);
  CHECK(s.packets(kGlobal) == 6);
  s.count(kDest2, 2);
  CHECK(s.packets(kSvc) == 2);
  CHECK(s.packets(kGlobal) == 8);
  s.levels.reset(kGlobal);
  CHECK(s.packets(kGlobal) == 0);
  s.count(kVip, 1);
  CHECK(s.packets(kGlobal) == 1);
}

TEST_CASE("a slot reused under another parent leaves its count with the old one", "[counters]") {
  Slots s;
  link_all(s);
  s.levels.link(kVip2, kGlobal);
  s.levels.link(kSvc2, kVip2);
  s.count(kDest, 4);
  s.count(kDest, 1);  // in flight after the destination was removed: still its service's
  // Reused as the service table does it: reset, then its new entry links it.
  s.levels.reset(kDest);
  s.levels.link(kDest, kSvc2);
  CHECK(s.packets(kDest) == 0);
  CHECK(s.packets(kSvc) == 5);
  CHECK(s.packets(kSvc2) == 0);
  s.count(kDest, 2);
  CHECK(s.packets(kSvc) == 5);
  CHECK(s.packets(kSvc2) == 2);
  CHECK(s.packets(kVip) == 5);
  CHECK(s.packets(kVip2) == 2);
  CHECK(s.packets(kGlobal) == 7);
  // Moved without a reset: the new parent counts from the move on.
  s.levels.link(kDest, kSvc);
  CHECK(s.packets(kSvc2) == 2);
  CHECK(s.packets(kSvc) == 5);
  s.count(kDest, 1);
  CHECK(s.packets(kSvc) == 6);
  CHECK(s.packets(kGlobal) == 8);
}
