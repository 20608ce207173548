// SPDX-License-Identifier: Apache-2.0
// Floods against the flow table: SYNs from random sources leave established flows alone;
// non-SYN garbage evicts flows that saw one packet only (without harm beyond a Maglev
// re-hash) but not established ones, and the counters show it. docs/reliability.md
// describes them.
#include <catch2/catch.hpp>

#include <sched.h>

#include <map>
#include <random>

#include <fmt/format.h>

#include "dataplane/flow_maps.hpp"
#include "lab.hpp"

using namespace xvs;
using namespace xvs::test;

namespace {

constexpr std::uint32_t kFlowsPerCpu = 1024;
constexpr int kEstablished = 300;

FrameSpec client(int n, std::uint8_t flags = kAck) {
  const std::string src = fmt::format("198.51.100.{}", 1 + n % 250);
  return tcp(src.c_str(), static_cast<std::uint16_t>(20000 + n), kVip4, 80, flags);
}

// Random sources (in 100.64.0.0/10) and ports, all to the VIP's service.
FrameSpec random_client(std::mt19937& rng, std::uint8_t flags) {
  const std::uint32_t r = static_cast<std::uint32_t>(rng());
  const std::string src =
      fmt::format("100.{}.{}.{}", 64 + (r >> 24 & 63), r >> 16 & 255, r >> 8 & 255);
  return tcp(src.c_str(), static_cast<std::uint16_t>(1024 + rng() % 60000), kVip4, 80, flags);
}

int forward(Lab& lab, const FrameSpec& s) {
  const Run r = lab.run(build(s));
  REQUIRE(r.verdict == XDP_TX);
  return backend_of(r);
}

// Establishes kEstablished flows over 4 backends; returns the backend of each.
std::vector<int> establish(Lab& lab, const Service& s) {
  lab.set_service(s, backends(false, 4));
  std::vector<int> out;
  for (int i = 0; i < kEstablished; ++i) out.push_back(forward(lab, client(i)));
  REQUIRE(lab.flow_count() == kEstablished);
  return out;
}

// How many of the established flows Maglev alone would now send elsewhere.
int moved_by_maglev(const Service& s, const std::vector<Backend>& now,
                    const std::vector<int>& was) {
  Lab fresh(kFlowsPerCpu);
  fresh.set_service(s, now);
  int moved = 0;
  for (int i = 0; i < kEstablished; ++i)  // SYNs: placed by Maglev, no flow created
    moved += forward(fresh, client(i, kSyn)) != was[static_cast<std::size_t>(i)];
  return moved;
}

}  // namespace

TEST_CASE("a SYN flood from random sources does not move established flows") {
  Lab lab(kFlowsPerCpu);
  const Service s = service(kVip4, 80);
  const std::vector<int> was = establish(lab, s);
  // Four more backends: Maglev would now send about half of those flows elsewhere.
  const std::vector<Backend> grown = backends(false, 8);
  lab.set_service(s, grown);
  REQUIRE(moved_by_maglev(s, grown, was) > kEstablished / 4);

  std::mt19937 rng(7);
  const std::uint64_t syns_before = lab.dp.counters(XVS_COUNTERS_GLOBAL).syn;
  constexpr int kSyns = 100000, kCheckEvery = 20000;
  for (int sent = 0; sent < kSyns; ++sent) {
    forward(lab, random_client(rng, kSyn));
    if ((sent + 1) % kCheckEvery) continue;
    INFO("after " << sent + 1 << " SYNs");
    for (int i = 0; i < kEstablished; ++i) {  // during the flood
      CAPTURE(i);
      REQUIRE(forward(lab, client(i)) == was[static_cast<std::size_t>(i)]);
    }
  }
  CHECK(lab.flow_count() == kEstablished);  // the SYNs created none
  CHECK(lab.dp.counters(XVS_COUNTERS_GLOBAL).syn - syns_before == kSyns);
  CHECK(lab.dp.counters(XVS_COUNTERS_GLOBAL).flows == kEstablished);
  CHECK(lab.reason(XVS_R_FORWARDED) == lab.reasons_total());
}

TEST_CASE("non-SYN garbage exhausts the flow table: LRU eviction, then a Maglev re-hash") {
  // One CPU: "flows" has per-CPU LRU lists, and a flood that migrated would evict from
  // another list than the established flows'.
  const PinnedCpu pinned(sched_getcpu());
  Lab lab(kFlowsPerCpu);
  const Service s = service(kVip4, 80);
  const std::vector<int> was = establish(lab, s);
  const std::size_t capacity = std::size_t{kFlowsPerCpu} * detail::Dataplane::possible_cpus();

  std::mt19937 rng(11);
  const std::size_t garbage = 8 * capacity;
  for (std::size_t i = 0; i < garbage; ++i) forward(lab, random_client(rng, kAck));

  // Every garbage packet was forwarded and counted as a new flow; the table stayed bounded
  // and the established flows were evicted as the least recently used.
  CHECK(lab.flow_count() <= capacity);
  CHECK(lab.dp.counters(XVS_COUNTERS_GLOBAL).flows == kEstablished + garbage);
  CHECK(lab.reason(XVS_R_FORWARDED) == lab.reasons_total());
  int evicted = 0;
  for (int i = 0; i < kEstablished; ++i) evicted += !lab.flow(client(i)).has_value();
  CHECK(evicted == kEstablished);

  // With the backends unchanged, Maglev sends an evicted flow where it was.
  for (int i = 0; i < kEstablished; ++i) {
    CAPTURE(i);
    CHECK(forward(lab, client(i)) == was[static_cast<std::size_t>(i)]);
  }
}

TEST_CASE("an ACK flood from random sources leaves established flows where they are") {
  // 65,536 established flows (a later packet hit each) in a table of 262,144 entries; then
  // twice that many packets of unknown flows (ACKs, random 5-tuples) with the backends
  // changed so that Maglev alone would move about half of the established flows.
  constexpr int kFlows = 65536;
  const std::uint32_t entries = 262144;
  Lab lab(entries / detail::Dataplane::possible_cpus());
  const Service s = service(kVip4, 80);
  lab.set_service(s, backends(false, 4));
  auto many = [](int n) {
    const std::string src = fmt::format("198.51.{}.{}", 100 + n / 65536, 1 + n / 256 % 250);
    return tcp(src.c_str(), static_cast<std::uint16_t>(1024 + n % 60000), kVip4, 80, kAck);
  };
  std::vector<int> was;
  for (int i = 0; i < kFlows; ++i) was.push_back(forward(lab, many(i)));
  for (int i = 0; i < kFlows; ++i) REQUIRE(forward(lab, many(i)) == was[std::size_t(i)]);
  const std::size_t stored = lab.flows.count(XVS_FLOW_ESTABLISHED);
  const std::vector<Backend> grown = backends(false, 8);
  lab.set_service(s, grown);

  std::mt19937 rng(13);
  std::map<int, int> flood_to;
  const std::uint64_t flows_before = lab.dp.counters(XVS_COUNTERS_GLOBAL).flows;
  const int flood = 2 * static_cast<int>(entries);
  for (int i = 0; i < flood; ++i) flood_to[forward(lab, random_client(rng, kAck))]++;

  int kept = 0;
  for (int i = 0; i < kFlows; ++i) kept += forward(lab, many(i)) == was[std::size_t(i)];
  const detail::FlowMaps maps(lab.dp);
  WARN("stored " << stored << ", kept " << kept << " of " << kFlows << ", refused "
                 << maps.counters().refused);
  CHECK(kept >= kFlows * 99 / 100);
  // The flood is refused where established flows fill a bucket, and counted...
  CHECK(maps.counters().refused > 0);
  // ... but every one of its packets is forwarded, placed by Maglev over all eight backends
  // (each gets within a factor of two of its share), and counted as a new flow.
  CHECK(lab.reason(XVS_R_FORWARDED) == lab.reasons_total());
  CHECK(flood_to.size() == grown.size());
  for (const auto& [backend, n] : flood_to) {
    CAPTURE(backend);
    CHECK(n > flood / 16);
    CHECK(n < flood * 2 / 8);
  }
  CHECK(lab.dp.counters(XVS_COUNTERS_GLOBAL).flows - flows_before >= std::uint64_t(flood));
}
