// SPDX-License-Identifier: Apache-2.0
// ICMP and ICMPv6 echo requests to a VIP are answered in place.
#include <catch2/catch.hpp>

#include "lab.hpp"

using namespace xvs;
using namespace xvs::test;

TEST_CASE("echo requests to a VIP are answered with checksums recomputed independently") {
  bool v6 = GENERATE(false, true);
  bool tagged = GENERATE(false, true);
  bool no_service = GENERATE(false, true);  // a VIP answers even before it has a port
  CAPTURE(v6, tagged, no_service);

  Lab lab;
  const char* vip = v6 ? kVip6 : kVip4;
  lab.set_service(service(vip, 80), no_service ? std::vector<Backend>{} : backends(v6, 2));
  FrameSpec req = echo(v6 ? kClient6 : kClient4, vip);
  req.ttl = 9;
  if (tagged) req.vlan_tci = 0x6123;
  Run r = lab.run(build(req));
  REQUIRE(r.verdict == XDP_TX);

  FrameSpec reply = req;
  std::swap(reply.dst, reply.src);
  std::swap(reply.saddr, reply.daddr);
  reply.icmp_type = v6 ? 129 : 0;
  reply.ttl = 64;
  Bytes want = build(reply);
  CHECK(hex(r.out) == hex(want));
  // Independently of `want`: the ICMP checksum of the output verifies.
  std::size_t l4 = l4_offset(req);
  std::uint32_t pseudo = 0;
  if (v6) {
    Bytes p(r.out.begin() + static_cast<long>(l3_offset(req) + 8),
            r.out.begin() + static_cast<long>(l3_offset(req) + 40));
    auto len = static_cast<std::uint32_t>(r.out.size() - l4);
    for (int shift : {24, 16, 8, 0}) p.push_back(static_cast<std::uint8_t>(len >> shift));
    p.insert(p.end(), {0, 0, 0, IPPROTO_ICMPV6});
    pseudo = sum16(p);
  }
  CHECK(checksum(std::span(r.out).subspan(l4), pseudo) == 0);

  CHECK(lab.reason(XVS_R_ICMP_ECHO) == 1);
  xvs_counters g = lab.dp.counters(XVS_COUNTERS_GLOBAL);
  CHECK(g.packets == 1);
  CHECK(g.errors == 0);
}

TEST_CASE("echo replies with IPv4 options keep them and a valid header checksum") {
  Lab lab;
  lab.set_service(service(kVip4, 80), backends(false, 1));
  FrameSpec req = echo(kClient4, kVip4);
  req.ip_options = {1, 1, 1, 0};
  Run r = lab.run(build(req));
  REQUIRE(r.verdict == XDP_TX);
  FrameSpec reply = req;
  std::swap(reply.dst, reply.src);
  std::swap(reply.saddr, reply.daddr);
  reply.icmp_type = 0;
  CHECK(hex(r.out) == hex(build(reply)));
}
