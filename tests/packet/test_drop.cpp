// SPDX-License-Identifier: Apache-2.0
// Everything that is not forwarded: passed to the host untouched, or dropped, each under
// its own reason.
#include <catch2/catch.hpp>

#include <bpf/bpf.h>

#include <memory>
#include <set>
#include <string>

#include "dataplane/entries.hpp"
#include "lab.hpp"

using namespace xvs;
using namespace xvs::test;

namespace {

// A lab with TCP port 80 and UDP port 53 on both VIPs, two backends each.
struct Services {
  Lab lab;
  Services() {
    for (bool v6 : {false, true}) {
      lab.set_service(service(v6 ? kVip6 : kVip4, 80), backends(v6, 2));
      lab.set_service(service(v6 ? kVip6 : kVip4, 53, Protocol::UDP), backends(v6, 2));
    }
  }
};

// Recomputes the IPv4 header checksum after a test patched the header.
void fix_ip4_checksum(Bytes& f, const FrameSpec& s) {
  std::size_t l3 = l3_offset(s);
  std::size_t hl = std::min<std::size_t>((f[l3] & 0x0f) * 4u, f.size() - l3);
  set16(f, l3 + 10, 0);
  set16(f, l3 + 10, checksum(std::span(f).subspan(l3, hl)));
}

// Runs `frame`, expecting `verdict` under `reason` (and no other reason).
void expect(Lab& lab, const Bytes& frame, int verdict, std::uint32_t reason) {
  xvs_reasons before = lab.dp.reasons();
  Run r = lab.run(frame);
  xvs_reasons after = lab.dp.reasons();
  CHECK(r.verdict == verdict);
  for (std::uint32_t i = 0; i < XVS_REASONS; ++i) {
    CAPTURE(i);
    CHECK(after.count[i] - before.count[i] == (i == reason ? 1u : 0u));
  }
  if (verdict == XDP_PASS) CHECK(hex(r.out) == hex(frame));  // untouched for the host
}

}  // namespace

TEST_CASE("traffic that is not for a VIP passes untouched and costs no VIP counter") {
  Services t;
  bool v6 = GENERATE(false, true);
  bool tagged = GENERATE(false, true);
  FrameSpec in = tcp(v6 ? kClient6 : kClient4, 22, v6 ? "2001:db8::11" : "192.0.2.11", 80);
  if (tagged) in.vlan_tci = 42;
  expect(t.lab, build(in), XDP_PASS, XVS_R_NOT_A_VIP);
  CHECK(t.lab.dp.counters(XVS_COUNTERS_GLOBAL).packets == 0);
}

TEST_CASE("non-IP frames pass") {
  Services t;
  FrameSpec arp = tcp(kClient4, 1, kVip4, 1);
  arp.ethertype = 0x0806;
  expect(t.lab, build(arp), XDP_PASS, XVS_R_NOT_IP);

  FrameSpec qinq = tcp(kClient4, 1, kVip4, 80);  // only one 802.1Q tag is parsed
  qinq.ethertype = 0x8100;
  qinq.vlan_tci = 5;
  expect(t.lab, build(qinq), XDP_PASS, XVS_R_NOT_IP);

  FrameSpec ad = qinq;
  ad.ethertype = 0;
  Bytes f = build(ad);
  set16(f, 12, 0x88a8);  // 802.1ad outer tag
  expect(t.lab, f, XDP_PASS, XVS_R_NOT_IP);
}

TEST_CASE("TTL or hop limit 1 or 0 is dropped") {
  Services t;
  bool v6 = GENERATE(false, true);
  std::uint8_t ttl = GENERATE(std::uint8_t{0}, std::uint8_t{1});
  FrameSpec in = tcp(v6 ? kClient6 : kClient4, 1234, v6 ? kVip6 : kVip4, 80);
  in.ttl = ttl;
  expect(t.lab, build(in), XDP_DROP, XVS_R_ERR_TTL);
  in = echo(v6 ? kClient6 : kClient4, v6 ? kVip6 : kVip4);
  in.ttl = ttl;
  expect(t.lab, build(in), XDP_DROP, XVS_R_ERR_TTL);
}

TEST_CASE("fragments to a VIP are dropped but DF alone is no fragment") {
  Services t;
  FrameSpec in = udp(kClient4, 1234, kVip4, 53);
  in.frag = 0x2000;  // MF, offset 0: the first fragment
  expect(t.lab, build(in), XDP_DROP, XVS_R_ERR_FRAGMENTED);
  in.frag = 0x0010;  // a later fragment, offset 128
  expect(t.lab, build(in), XDP_DROP, XVS_R_ERR_FRAGMENTED);
  in.frag = 0x4000;  // DF
  expect(t.lab, build(in), XDP_TX, XVS_R_FORWARDED);

  FrameSpec in6 = udp(kClient6, 1234, kVip6, 53);
  in6.ip6_ext = 44;
  expect(t.lab, build(in6), XDP_DROP, XVS_R_ERR_FRAGMENTED);
}

TEST_CASE("IPv6 extension headers to a VIP are dropped") {
  Services t;
  auto ext = GENERATE(std::uint8_t{0}, std::uint8_t{43}, std::uint8_t{60});  // hop-by-hop, routing, destination options
  FrameSpec in = tcp(kClient6, 1234, kVip6, 80);
  in.ip6_ext = ext;
  expect(t.lab, build(in), XDP_DROP, XVS_R_ERR_IP_OPTIONS);
}

TEST_CASE("a wrong IPv4 header checksum is dropped") {
  Services t;
  FrameSpec in = tcp(kClient4, 1234, kVip4, 80);
  Bytes f = build(in);
  f[l3_offset(in) + 11] ^= 0x01;
  expect(t.lab, f, XDP_DROP, XVS_R_ERR_MALFORMED);
  in.ip_options = {1, 1, 1, 0};  // the options are covered too
  f = build(in);
  f[l3_offset(in) + 22] = 0;
  expect(t.lab, f, XDP_DROP, XVS_R_ERR_MALFORMED);
}

TEST_CASE("inconsistent headers to a VIP are dropped as malformed") {
  Services t;
  FrameSpec s4 = tcp(kClient4, 1234, kVip4, 80);
  std::size_t l3 = l3_offset(s4);
  std::size_t l4 = l4_offset(s4);
  Bytes good = build(s4);

  Bytes f = good;
  SECTION("IPv4 version 5") { f[l3] = 0x55; }
  SECTION("IHL 4") { f[l3] = 0x44; }
  SECTION("total length below the header") { set16(f, l3 + 2, 16); }
  SECTION("total length beyond the frame") { set16(f, l3 + 2, static_cast<std::uint16_t>(f.size())); }
  SECTION("TCP data offset 4") { f[l4 + 12] = 0x40; }
  SECTION("TCP data offset beyond the packet") { f[l4 + 12] = 0xf0; }
  SECTION("TCP header partly in Ethernet padding") {
    set16(f, l3 + 2, 20 + 12);
    f.resize(std::max<std::size_t>(f.size(), 64), 0);
  }
  SECTION("UDP header cut by the IP length") {
    FrameSpec u = udp(kClient4, 1234, kVip4, 53);
    u.payload.clear();
    u.pad_to = 64;
    f = build(u);
    set16(f, l3 + 2, 20 + 4);
  }
  SECTION("ICMP header cut by the IP length") {
    FrameSpec e = echo(kClient4, kVip4);
    e.pad_to = 64;
    f = build(e);
    set16(f, l3 + 2, 20 + 4);
  }
  fix_ip4_checksum(f, s4);
  expect(t.lab, f, XDP_DROP, XVS_R_ERR_MALFORMED);
}

TEST_CASE("inconsistent IPv6 headers to a VIP are dropped as malformed") {
  Services t;
  FrameSpec s6 = tcp(kClient6, 1234, kVip6, 80);
  std::size_t l3 = l3_offset(s6);
  Bytes f = build(s6);
  SECTION("version 4 in an IPv6 ethertype") { f[l3] = 0x40; }
  SECTION("payload length beyond the frame") { set16(f, l3 + 4, 100); }
  SECTION("TCP header cut by the payload length") {
    set16(f, l3 + 4, 10);
    f.resize(f.size() + 10, 0);
  }
  expect(t.lab, f, XDP_DROP, XVS_R_ERR_MALFORMED);
}

TEST_CASE("a VIP drops protocols, ports and ICMP types it does not serve") {
  Services t;
  FrameSpec gre = tcp(kClient4, 0, kVip4, 0);
  gre.proto = 47;
  expect(t.lab, build(gre), XDP_DROP, XVS_R_ERR_PROTOCOL);
  FrameSpec icmp6_in_4 = echo(kClient4, kVip4);
  icmp6_in_4.proto = IPPROTO_ICMPV6;
  expect(t.lab, build(icmp6_in_4), XDP_DROP, XVS_R_ERR_PROTOCOL);
  FrameSpec none6 = tcp(kClient6, 0, kVip6, 0);
  none6.proto = 59;  // no next header
  expect(t.lab, build(none6), XDP_DROP, XVS_R_ERR_PROTOCOL);

  expect(t.lab, build(tcp(kClient4, 1234, kVip4, 81)), XDP_DROP, XVS_R_ERR_NO_SERVICE);
  expect(t.lab, build(udp(kClient6, 1234, kVip6, 80)), XDP_DROP, XVS_R_ERR_NO_SERVICE);

  FrameSpec unreachable = echo(kClient4, kVip4);
  unreachable.icmp_type = 3;
  expect(t.lab, build(unreachable), XDP_DROP, XVS_R_ERR_ICMP);
  FrameSpec solicit = echo(kClient6, kVip6);
  solicit.icmp_type = 135;
  solicit.ttl = 255;
  expect(t.lab, build(solicit), XDP_DROP, XVS_R_ERR_ICMP);
}

TEST_CASE("a service without usable destinations drops with no_backend") {
  Services t;
  Service s = service(kVip4, 8080);
  t.lab.set_service(s, {});
  expect(t.lab, build(tcp(kClient4, 1234, kVip4, 8080)), XDP_DROP, XVS_R_ERR_NO_BACKEND);
  auto bs = backends(false, 2);
  for (auto& b : bs) b.in_table = false;  // all disabled: no new flows
  t.lab.set_service(s, bs);
  expect(t.lab, build(tcp(kClient4, 1234, kVip4, 8080)), XDP_DROP, XVS_R_ERR_NO_BACKEND);
  xvs_counters c = t.lab.dp.counters(XVS_COUNTERS_SERVICE(t.lab.service_slot(s)));
  CHECK(c.packets == 2);
  CHECK(c.errors == 2);
}

TEST_CASE("watchdog: with a stale heartbeat everything passes to the host") {
  Services t;
  std::vector<Bytes> frames = {build(tcp(kClient4, 1, kVip4, 80, kSyn)),
                               build(udp(kClient6, 1, kVip6, 53)),
                               build(echo(kClient4, kVip4)),
                               build(tcp(kClient4, 1, kVip4, 81))};
  t.lab.heartbeat(-static_cast<std::int64_t>(XVS_WATCHDOG_NS) - 1000000000);
  for (const Bytes& f : frames) expect(t.lab, f, XDP_PASS, XVS_R_WATCHDOG);

  SECTION("a fresh heartbeat resumes forwarding") { t.lab.heartbeat(); }
  SECTION("a heartbeat slightly ahead of the coarse clock is fresh") { t.lab.heartbeat(20000000); }
  expect(t.lab, frames[0], XDP_TX, XVS_R_FORWARDED);
}

TEST_CASE("the VIP filter: a colliding non-VIP still passes, a removed VIP passes") {
  Services t;
  auto filter_bits = [&] {
    auto f = std::make_unique<xvs_vip_filter>();
    const std::uint32_t key = 0;
    REQUIRE(bpf_map_lookup_elem(t.lab.dp.map_fd("vip_filter"), &key, f.get()) == 0);
    std::set<std::uint32_t> bits;
    for (std::uint32_t b = 0; b < XVS_VIP_FILTER_BITS; ++b)
      if (f->bits[b / 64] >> (b % 64) & 1) bits.insert(b);
    return bits;
  };
  xvs_addr vip4 = detail::to_abi(IPAddr::parse(kVip4));
  xvs_addr vip6 = detail::to_abi(IPAddr::parse(kVip6));
  CHECK(filter_bits() ==
        std::set<std::uint32_t>{xvs_vip_filter_bit(&vip4), xvs_vip_filter_bit(&vip6)});

  // An address whose filter bit is the IPv4 VIP's takes the "vips" lookup, and passes.
  auto twins = filter_twins(IPAddr::parse(kVip4), 1);
  REQUIRE(twins.size() == 1);
  std::string twin = twins[0].to_string();
  expect(t.lab, build(tcp(kClient4, 1, twin.c_str(), 80)), XDP_PASS, XVS_R_NOT_A_VIP);

  expect(t.lab, build(tcp(kClient4, 1, kVip4, 80)), XDP_TX, XVS_R_FORWARDED);
  t.lab.dp.erase_vip(vip4);
  CHECK(filter_bits() == std::set<std::uint32_t>{xvs_vip_filter_bit(&vip6)});
  expect(t.lab, build(tcp(kClient4, 1, kVip4, 80)), XDP_PASS, XVS_R_NOT_A_VIP);
  expect(t.lab, build(tcp(kClient6, 1, kVip6, 80)), XDP_TX, XVS_R_FORWARDED);
}
