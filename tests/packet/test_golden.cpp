// SPDX-License-Identifier: Apache-2.0
// The BPF object picks, for every golden flow, the backend that the independent reference
// (tests/golden/reference.py) computes: the low bits of its flow hash index its Maglev table.
// So the hash and the table that balancers of different releases must share are both pinned
// end to end, not only through the library's own code.
#include <catch2/catch.hpp>

#include "../golden/vectors.hpp"
#include "lab.hpp"

using namespace xvs;
using namespace xvs::test;

TEST_CASE("the data plane sends golden flows to the reference's backends") {
  const auto vectors = golden::load();
  struct Case {
    const char* table;
    bool v6;
    std::uint8_t proto;
    std::uint16_t port;
    bool sticky;
  };
  const Case c = GENERATE(Case{"lab4", false, IPPROTO_TCP, 80, false},
                          Case{"lab4", false, IPPROTO_UDP, 53, true},
                          Case{"lab6", true, IPPROTO_TCP, 443, false});
  CAPTURE(c.table, c.proto, c.port, c.sticky);
  const auto& table = vectors.table(c.table);

  Lab lab;
  const char* vip = c.v6 ? kVip6 : kVip4;
  const auto bs = backends(c.v6, static_cast<std::uint8_t>(table.members.size()));
  for (std::size_t i = 0; i < bs.size(); ++i)
    REQUIRE(bs[i].address == IPAddr::parse(table.members[i].address));
  lab.set_service(service(vip, c.port, c.proto == IPPROTO_UDP ? Protocol::UDP : Protocol::TCP,
                          c.sticky),
                  bs);

  std::size_t checked = 0;
  for (const auto& f : vectors.flows) {
    if (IPAddr::parse(f.daddr) != IPAddr::parse(vip) || f.dport != c.port || f.proto != c.proto)
      continue;
    CAPTURE(f.saddr, f.sport);
    FrameSpec in = tcp(f.saddr.c_str(), f.sport, vip, f.dport, kSyn);
    in.proto = f.proto;
    CHECK(flow_hash(in) == f.hash);  // the tests' own model of the hash agrees too
    const std::uint32_t hash = c.sticky ? f.sticky_hash : f.hash;
    const int expected = table.table[hash & (XVS_MAGLEV_SIZE - 1)] + 1;
    const Run r = lab.run(build(in));
    REQUIRE(r.verdict == XDP_TX);
    CHECK(backend_of(r) == expected);
    ++checked;
  }
  CHECK(checked >= 8);
}
