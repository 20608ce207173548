// SPDX-License-Identifier: Apache-2.0
// The data plane counts a packet in one slot; the levels above it are sums kept by the
// library (dataplane/counter_levels.hpp). These tests remove destinations, services and
// VIPs through the Client's service table and reuse their slots: no level above goes
// backwards, and a reused slot starts from 0.
#include <catch2/catch.hpp>

#include "lab.hpp"

using namespace xvs;
using namespace xvs::test;

namespace {

std::uint64_t packets(const Lab& lab, std::uint32_t slot) { return lab.dp.counters(slot).packets; }
std::uint64_t global(const Lab& lab) { return packets(lab, XVS_COUNTERS_GLOBAL); }

// Sends ACKs of new flows (source ports from `port` on) from kClient4 to `s` until each of
// `want` backends (by number, backend_of) has had `each` of them; returns the packets per
// backend number.
std::map<int, std::uint64_t> send_until(Lab& lab, const Service& s, std::uint16_t& port,
                                        std::size_t want, std::uint64_t each) {
  const std::string vip = s.address.to_string();
  std::map<int, std::uint64_t> sent;
  auto done = [&] {
    if (sent.size() < want) return false;
    for (const auto& [_, n] : sent)
      if (n < each) return false;
    return true;
  };
  for (int i = 0; i < 1000 && !done(); ++i) {
    Run r = lab.run(build(tcp(kClient4, port++, vip.c_str(), s.port, kAck)));
    REQUIRE(r.verdict == XDP_TX);
    sent[backend_of(r)]++;
  }
  REQUIRE(done());
  return sent;
}

std::uint64_t sum(const std::map<int, std::uint64_t>& m) {
  std::uint64_t n = 0;
  for (const auto& [_, v] : m) n += v;
  return n;
}

}  // namespace

TEST_CASE("a removed destination's packets stay in its service, VIP and global counters") {
  Lab lab;
  std::uint16_t port = 10000;
  const Service s = service(kVip4, 80);
  const auto bs = backends(false, 3);
  lab.set_service(s, {bs[0], bs[1]});
  const auto sent = send_until(lab, s, port, 2, 3);
  const std::uint64_t total = sum(sent);
  const std::uint16_t removed = lab.dest_index(s, bs[1].address);
  CHECK(packets(lab, XVS_COUNTERS_DEST(removed)) == sent.at(2));
  CHECK(packets(lab, XVS_COUNTERS_SERVICE(lab.service_slot(s))) == total);

  lab.set_service(s, {bs[0]});
  CHECK(packets(lab, XVS_COUNTERS_SERVICE(lab.service_slot(s))) == total);
  CHECK(packets(lab, XVS_COUNTERS_VIP(lab.vip_slot(s.address))) == total);
  CHECK(global(lab) == total);

  // The removed destination's slot goes to the next destination created, of another service.
  const Service other = service(kVip4, 81);
  lab.set_service(other, {bs[2]});
  REQUIRE(lab.dest_index(other, bs[2].address) == removed);
  CHECK(packets(lab, XVS_COUNTERS_DEST(removed)) == 0);
  CHECK(packets(lab, XVS_COUNTERS_SERVICE(lab.service_slot(other))) == 0);
  CHECK(global(lab) == total);

  const std::uint64_t more = sum(send_until(lab, other, port, 1, 2));
  CHECK(packets(lab, XVS_COUNTERS_DEST(removed)) == more);
  CHECK(packets(lab, XVS_COUNTERS_SERVICE(lab.service_slot(other))) == more);
  CHECK(packets(lab, XVS_COUNTERS_SERVICE(lab.service_slot(s))) == total);
  CHECK(packets(lab, XVS_COUNTERS_VIP(lab.vip_slot(s.address))) == total + more);
  CHECK(global(lab) == total + more);

  // The same address created again is a new destination: its counters start from 0.
  lab.set_service(s, {bs[0], bs[1]});
  CHECK(packets(lab, XVS_COUNTERS_DEST(lab.dest_index(s, bs[1].address))) == 0);
  CHECK(packets(lab, XVS_COUNTERS_SERVICE(lab.service_slot(s))) == total);
  CHECK(global(lab) == total + more);
}

TEST_CASE("removed services and VIPs stay in the global counter, their reused slots start at 0") {
  Lab lab;
  std::uint16_t port = 10000;
  const Service a = service(kVip4, 80), b = service(kVip4, 81);
  const auto bs = backends(false, 2);
  lab.set_service(a, {bs[0]});
  lab.set_service(b, {bs[1]});
  const std::uint64_t to_a = sum(send_until(lab, a, port, 1, 3));
  const std::uint64_t to_b = sum(send_until(lab, b, port, 1, 2));
  const std::uint32_t vip_slot = lab.vip_slot(a.address), b_slot = lab.service_slot(b);
  CHECK(packets(lab, XVS_COUNTERS_VIP(vip_slot)) == to_a + to_b);

  lab.remove_service(b);
  CHECK(packets(lab, XVS_COUNTERS_VIP(vip_slot)) == to_a + to_b);
  CHECK(global(lab) == to_a + to_b);

  // Its service slot and destination slot go to a service of another VIP.
  const Service c = service("192.0.2.20", 80);
  lab.set_service(c, {bs[1]});
  REQUIRE(lab.service_slot(c) == b_slot);
  CHECK(packets(lab, XVS_COUNTERS_SERVICE(b_slot)) == 0);
  const std::uint64_t to_c = sum(send_until(lab, c, port, 1, 1));
  CHECK(packets(lab, XVS_COUNTERS_SERVICE(b_slot)) == to_c);
  CHECK(packets(lab, XVS_COUNTERS_VIP(vip_slot)) == to_a + to_b);
  CHECK(packets(lab, XVS_COUNTERS_VIP(lab.vip_slot(c.address))) == to_c);
  CHECK(global(lab) == to_a + to_b + to_c);

  // The VIP goes with its last service; its slot goes to the next VIP created.
  lab.remove_service(a);
  CHECK(global(lab) == to_a + to_b + to_c);
  const Service d = service("192.0.2.30", 80);
  lab.set_service(d, {bs[0]});
  REQUIRE(lab.vip_slot(d.address) == vip_slot);
  CHECK(packets(lab, XVS_COUNTERS_VIP(vip_slot)) == 0);
  CHECK(global(lab) == to_a + to_b + to_c);
  const std::uint64_t to_d = sum(send_until(lab, d, port, 1, 1));
  CHECK(packets(lab, XVS_COUNTERS_VIP(vip_slot)) == to_d);
  CHECK(global(lab) == to_a + to_b + to_c + to_d);
}

TEST_CASE("packets dropped before a destination is known count at the level they reached") {
  Lab lab;
  const Service s = service(kVip4, 80);
  auto bs = backends(false, 1);
  bs[0].in_table = false;  // the service has no backend for new flows: err_no_backend
  lab.set_service(s, bs);
  CHECK(lab.run(build(tcp(kClient4, 1, kVip4, 80, kAck))).verdict == XDP_DROP);
  CHECK(lab.run(build(tcp(kClient4, 1, kVip4, 99, kAck))).verdict == XDP_DROP);  // no service
  CHECK(lab.reason(XVS_R_ERR_NO_BACKEND) == 1);
  CHECK(lab.reason(XVS_R_ERR_NO_SERVICE) == 1);

  const xvs_counters d = lab.dp.counters(XVS_COUNTERS_DEST(lab.dest_index(s, bs[0].address)));
  const xvs_counters sv = lab.dp.counters(XVS_COUNTERS_SERVICE(lab.service_slot(s)));
  const xvs_counters v = lab.dp.counters(XVS_COUNTERS_VIP(lab.vip_slot(s.address)));
  const xvs_counters g = lab.dp.counters(XVS_COUNTERS_GLOBAL);
  CHECK(d.packets == 0);
  CHECK((sv.packets == 1 && sv.errors == 1 && sv.ack == 1));
  CHECK((v.packets == 2 && v.errors == 2 && v.ack == 2));
  CHECK((g.packets == 2 && g.errors == 2 && g.ack == 2));
}
