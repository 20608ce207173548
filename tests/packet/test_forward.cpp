// SPDX-License-Identifier: Apache-2.0
// Forwarding: every TCP flag combination and UDP, both families, tagged and untagged; the
// output frame is compared byte by byte with one built independently.
#include <catch2/catch.hpp>

#include "lab.hpp"

using namespace xvs;
using namespace xvs::test;

namespace {

struct Kind {
  const char* name;
  std::uint8_t proto;
  std::uint8_t flags;
};

constexpr Kind kKinds[] = {
    {"SYN", IPPROTO_TCP, kSyn},         {"SYN+ACK", IPPROTO_TCP, kSyn | kAck},
    {"ACK", IPPROTO_TCP, kAck},         {"PSH+ACK", IPPROTO_TCP, kPsh | kAck},
    {"FIN+ACK", IPPROTO_TCP, kFin | kAck}, {"RST", IPPROTO_TCP, kRst},
    {"RST+ACK", IPPROTO_TCP, kRst | kAck}, {"UDP", IPPROTO_UDP, 0},
};

// The IPv4 header checksum of a frame, verified from scratch.
bool ip4_checksum_ok(const Bytes& f, const FrameSpec& s) {
  std::size_t l3 = l3_offset(s);
  return checksum(std::span(f).subspan(l3, (f[l3] & 0x0f) * 4u)) == 0;
}

}  // namespace

TEST_CASE("TCP and UDP to a service leave with new MACs, VLAN ID and TTL only") {
  bool v6 = GENERATE(false, true);
  bool tagged = GENERATE(false, true);
  Kind kind = GENERATE(from_range(std::begin(kKinds), std::end(kKinds)));
  CAPTURE(v6, tagged, kind.name);

  Lab lab;
  const char* vip = v6 ? kVip6 : kVip4;
  auto bs = backends(v6, 3);
  Protocol proto = kind.proto == IPPROTO_UDP ? Protocol::UDP : Protocol::TCP;
  lab.set_service(service(vip, 80, proto), bs);

  FrameSpec in = tcp(v6 ? kClient6 : kClient4, 40001, vip, 80, kind.flags);
  in.proto = kind.proto;
  if (tagged) in.vlan_tci = 0xb000 | 7;  // PCP 5, DEI 1, VID 7
  Bytes frame = build(in);
  Run r = lab.run(frame);

  REQUIRE(r.verdict == XDP_TX);
  int n = backend_of(r);
  REQUIRE(n >= 1);
  REQUIRE(n <= 3);
  CHECK(hex(r.out) == hex(build(as_forwarded(in, bs[n - 1]))));
  if (!v6) CHECK(ip4_checksum_ok(r.out, in));
  CHECK(lab.reason(XVS_R_FORWARDED) == 1);
  CHECK(lab.reasons_total() == 1);
}

TEST_CASE("IPv4 options and Ethernet padding are carried through") {
  Lab lab;
  auto bs = backends(false, 2);
  lab.set_service(service(kVip4, 53, Protocol::UDP), bs);
  FrameSpec in = udp(kClient4, 5353, kVip4, 53);
  in.ip_options = {0x94, 0x04, 0x00, 0x00, 0x01, 0x01, 0x01, 0x00};  // router alert, NOPs, EOL
  in.payload = {1, 2};
  in.pad_to = 80;
  in.vlan_tci = 0x0001;
  Run r = lab.run(build(in));
  REQUIRE(r.verdict == XDP_TX);
  int n = backend_of(r);
  REQUIRE(n >= 1);
  CHECK(hex(r.out) == hex(build(as_forwarded(in, bs[n - 1]))));
  CHECK(ip4_checksum_ok(r.out, in));
}

TEST_CASE("TTL 2 is forwarded with TTL 1, and the checksum follows") {
  bool v6 = GENERATE(false, true);
  Lab lab;
  const char* vip = v6 ? kVip6 : kVip4;
  auto bs = backends(v6, 1);
  lab.set_service(service(vip, 443), bs);
  FrameSpec in = tcp(v6 ? kClient6 : kClient4, 1025, vip, 443);
  in.ttl = 2;
  Run r = lab.run(build(in));
  REQUIRE(r.verdict == XDP_TX);
  CHECK(hex(r.out) == hex(build(as_forwarded(in, bs[0]))));
}

TEST_CASE("several interfaces: redirect to the destination's interface unless it is ours") {
  Lab lab;
  auto bs = backends(false, 1);
  FrameSpec in = tcp(kClient4, 2000, kVip4, 80);

  SECTION("destination on another interface, multi-interface on: redirect") {
    bs[0].ifindex = 2;
    lab.set_service(service(kVip4, 80), bs);
    lab.heartbeat(0, XVS_SETTINGS_MULTI_INTERFACE);
    Run r = lab.run(build(in), 1);
    CHECK(r.verdict == XDP_REDIRECT);
    CHECK(hex(r.out) == hex(build(as_forwarded(in, bs[0]))));
  }
  SECTION("destination on the ingress interface: XDP_TX") {
    bs[0].ifindex = 1;
    lab.set_service(service(kVip4, 80), bs);
    lab.heartbeat(0, XVS_SETTINGS_MULTI_INTERFACE);
    CHECK(lab.run(build(in), 1).verdict == XDP_TX);
  }
  SECTION("one interface or a bond: always XDP_TX") {
    bs[0].ifindex = 2;
    lab.set_service(service(kVip4, 80), bs);
    CHECK(lab.run(build(in), 1).verdict == XDP_TX);
  }
  CHECK(lab.reason(XVS_R_FORWARDED) == 1);
}

TEST_CASE("a destination that cannot be sent to drops the packet") {
  Lab lab;
  auto bs = backends(false, 1);
  FrameSpec in = tcp(kClient4, 2000, kVip4, 80);
  Service s = service(kVip4, 80);

  SECTION("next hop unresolved") {
    lab.set_service(s, bs);  // in the table while ready ...
    bs[0].ready = false;     // ... then the neighbour is lost; the flow still points at it
    Run first = lab.run(build(in));
    REQUIRE(first.verdict == XDP_TX);
    lab.set_service(s, bs);
    CHECK(lab.run(build(in)).verdict == XDP_DROP);
    CHECK(lab.reason(XVS_R_ERR_NOT_READY) == 1);
  }
  SECTION("unknown tunnel type") {
    bs[0].tunnel = static_cast<TunnelType>(99);  // e.g. written by a newer control plane
    lab.set_service(s, bs);
    CHECK(lab.run(build(in)).verdict == XDP_DROP);
    CHECK(lab.reason(XVS_R_ERR_TUNNEL) == 1);
  }
  xvs_counters d = lab.dp.counters(XVS_COUNTERS_DEST(lab.dest_index(s, bs[0].address)));
  CHECK(d.errors == 1);
}
