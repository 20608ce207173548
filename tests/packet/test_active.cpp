// SPDX-License-Identifier: Apache-2.0
// ActiveFlows: counting recent flow entries per (destination, generation), over more
// entries than one batched lookup returns, and flows the data plane itself created.
#include <catch2/catch.hpp>

#include <bpf/bpf.h>

#include <ctime>

#include "control/active.hpp"
#include "dataplane/clock.hpp"
#include "lab.hpp"

using namespace xvs;
using namespace xvs::test;
using xvs::detail::ActiveFlows;

namespace {

constexpr std::uint64_t kSecond = 1'000'000'000ull;

// Flow number i: a distinct client port and address.
xvs_flow_key key_of(std::uint32_t i) {
  xvs_flow_key k{};
  k.saddr.a[3] = htonl(0x0a010000u + (i >> 8));
  k.daddr.a[3] = htonl(0xc0000201u);
  k.sport = htons(static_cast<std::uint16_t>(1024 + (i & 0xff)));
  k.dport = htons(80);
  k.proto = 6;
  return k;
}

}  // namespace

TEST_CASE("active flows are counted per destination and generation within the idle period") {
  // Room to spare: every flow put lands in its own entry of a 4-way bucket.
  Lab lab(262144);
  const std::uint64_t now = detail::monotonic_ns();
  struct Group {
    std::uint16_t dest;
    std::uint32_t generation;
    std::uint64_t seen;
    std::uint32_t n;
  };
  // More entries than one batch (4096); ages around the 12 s idle period.
  const Group groups[] = {{3, 7, now - kSecond, 3000},       {4, 8, now - 11 * kSecond, 2000},
                          {4, 8, now - 13 * kSecond, 1000},  {3, 6, now - kSecond, 500},
                          {5, 9, now + kSecond / 100, 10}};  // the coarse clock a tick ahead
  std::uint32_t i = 0;
  for (const auto& g : groups)
    for (std::uint32_t j = 0; j < g.n; j++, i++) {
      const xvs_flow_key k = key_of(i);
      xvs_flow f;
      f.generation = g.generation;
      f.dest = g.dest;
      f.seen_ns = g.seen;
      lab.flows.put(k, f);
    }
  const auto counts = ActiveFlows(lab.dp).count(now);
  const detail::ActiveCounts expected{{{3, 7}, 3000}, {{4, 8}, 2000}, {{3, 6}, 500},
                                      {{5, 9}, 10}};
  CHECK(counts == expected);
  CHECK(ActiveFlows(lab.dp).count(now + 20 * kSecond).empty());
}

TEST_CASE("flows created by the data plane are counted for their destination") {
  Lab lab;
  auto bs = backends(false, 2);
  Service s = service(kVip4, 80);
  lab.set_service(s, bs);
  for (std::uint16_t port = 40000; port < 40010; port++)
    REQUIRE(lab.run(build(tcp(kClient4, port, kVip4, 80, kAck))).verdict == XDP_TX);
  std::uint32_t total = 0;
  for (const auto& [dest, n] : ActiveFlows(lab.dp).count(detail::monotonic_ns())) {
    CHECK((dest.first == lab.dest_index(s, bs[0].address) ||
           dest.first == lab.dest_index(s, bs[1].address)));
    total += n;
  }
  CHECK(total == 10);
}
