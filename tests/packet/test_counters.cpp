// SPDX-License-Identifier: Apache-2.0
// Counters at every level, reasons adding up to the packets seen, latency sampling.
#include <catch2/catch.hpp>

#include "lab.hpp"

using namespace xvs;
using namespace xvs::test;

namespace {

std::uint64_t ip_length(const FrameSpec& s) { return build(s).size() - l3_offset(s); }

}  // namespace

TEST_CASE("counters move at the global, VIP, service and destination levels") {
  bool v6 = GENERATE(false, true);
  Lab lab;
  const char* vip = v6 ? kVip6 : kVip4;
  const char* client = v6 ? kClient6 : kClient4;
  Service s = service(vip, 80);
  auto bs = backends(v6, 1);
  lab.set_service(s, bs);

  // One connection through the service ...
  std::vector<FrameSpec> conn;
  for (std::uint8_t flags : {kSyn, kAck, std::uint8_t(kPsh | kAck), std::uint8_t(kFin | kAck), kRst})
    conn.push_back(tcp(client, 40000, vip, 80, flags));
  conn[2].payload.assign(300, 'x');
  // ... and what the VIP sees besides: an ACK to a port without service, an expired TTL,
  // an echo request; then what no counter but the reasons sees: a non-VIP and ARP.
  FrameSpec no_service = tcp(client, 40000, vip, 81, kAck);
  FrameSpec expired = tcp(client, 40000, vip, 80, kAck);
  expired.ttl = 1;
  FrameSpec ping = echo(client, vip);
  FrameSpec other = tcp(client, 40000, v6 ? "2001:db8::99" : "192.0.2.99", 80);
  FrameSpec arp = tcp(client, 1, vip, 1);
  arp.ethertype = 0x0806;

  std::uint64_t conn_octets = 0;
  for (const FrameSpec& f : conn) {
    REQUIRE(lab.run(build(f)).verdict == XDP_TX);
    conn_octets += ip_length(f);
  }
  CHECK(lab.run(build(no_service)).verdict == XDP_DROP);
  CHECK(lab.run(build(expired)).verdict == XDP_DROP);
  CHECK(lab.run(build(ping)).verdict == XDP_TX);
  CHECK(lab.run(build(other)).verdict == XDP_PASS);
  CHECK(lab.run(build(arp)).verdict == XDP_PASS);

  xvs_counters want_dest{};
  want_dest.packets = 5;
  want_dest.octets = conn_octets;
  want_dest.flows = 1;  // the ACK; the SYN creates none
  want_dest.syn = 1;
  want_dest.ack = 3;
  want_dest.fin = 1;
  want_dest.rst = 1;
  xvs_counters want_vip = want_dest;
  want_vip.packets += 3;
  want_vip.octets += ip_length(no_service) + ip_length(expired) + ip_length(ping);
  want_vip.errors = 2;
  want_vip.ack += 1;  // the no-service ACK was parsed; the expired one was not

  auto same = [](const xvs_counters& got, const xvs_counters& want) {
    CHECK(got.packets == want.packets);
    CHECK(got.octets == want.octets);
    CHECK(got.flows == want.flows);
    CHECK(got.errors == want.errors);
    CHECK(got.syn == want.syn);
    CHECK(got.ack == want.ack);
    CHECK(got.fin == want.fin);
    CHECK(got.rst == want.rst);
  };
  same(lab.dp.counters(XVS_COUNTERS_DEST(lab.dest_index(s, bs[0].address))), want_dest);
  same(lab.dp.counters(XVS_COUNTERS_SERVICE(lab.service_slot(s))), want_dest);
  same(lab.dp.counters(XVS_COUNTERS_VIP(lab.vip_slot(s.address))), want_vip);
  same(lab.dp.counters(XVS_COUNTERS_GLOBAL), want_vip);

  xvs_reasons r = lab.dp.reasons();
  CHECK(r.count[XVS_R_FORWARDED] == 5);
  CHECK(r.count[XVS_R_ERR_NO_SERVICE] == 1);
  CHECK(r.count[XVS_R_ERR_TTL] == 1);
  CHECK(r.count[XVS_R_ICMP_ECHO] == 1);
  CHECK(r.count[XVS_R_NOT_A_VIP] == 1);
  CHECK(r.count[XVS_R_NOT_IP] == 1);
  CHECK(lab.reasons_total() == 10);
  CHECK(r.seen == 10);

  lab.dp.reset_counters(XVS_COUNTERS_GLOBAL);
  CHECK(lab.dp.counters(XVS_COUNTERS_GLOBAL).packets == 0);
}

TEST_CASE("one packet in 64 per CPU is timed") {
  // One CPU, so that one per-CPU copy sees every test run.
  const PinnedCpu pin(allowed_cpus().front());
  Lab lab;
  lab.set_service(service(kVip4, 80), backends(false, 1));
  Bytes vip = build(tcp(kClient4, 1, kVip4, 80));
  Bytes other = build(tcp(kClient4, 1, "192.0.2.99", 80));
  for (int i = 0; i < 130; ++i) lab.run(i % 2 ? vip : other);
  xvs_reasons r = lab.dp.reasons();
  CHECK(r.seen == 130);
  CHECK(r.latency_samples == 3);  // packets 0, 64 and 128
  CHECK(r.latency_ns > 0);
  CHECK(lab.reasons_total() == 130);
}
