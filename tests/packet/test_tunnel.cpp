// SPDX-License-Identifier: Apache-2.0
// Encapsulation: every tunnel type, outer family and inner family, tagged and untagged, TCP
// and UDP. Each output frame is compared byte by byte with one built from the RFCs
// (tunnel_frames.hpp, which sums the whole datagram for the UDP checksum), and its checksums
// are verified once more from the output's own bytes.
#include <catch2/catch.hpp>

#include <set>

#include <fmt/format.h>

#include "dataplane/entries.hpp"
#include "lab.hpp"

using namespace xvs;
using namespace xvs::test;

namespace {

std::uint16_t get16(const Bytes& f, std::size_t at) {
  return static_cast<std::uint16_t>(f[at] << 8 | f[at + 1]);
}

// The pseudo-header sum (RFC 768 / RFC 8200 8.1) of an IP packet at `l3` in `f`.
std::uint32_t pseudo_sum(const Bytes& f, std::size_t l3, std::size_t l4_len, std::uint8_t proto) {
  const bool v6 = f[l3] >> 4 == 6;
  const std::size_t addrs = v6 ? 32 : 8;
  Bytes p(f.begin() + static_cast<long>(l3 + (v6 ? 8 : 12)),
          f.begin() + static_cast<long>(l3 + (v6 ? 8 : 12) + addrs));
  put32(p, static_cast<std::uint32_t>(l4_len));
  put32(p, proto);
  return sum16(p);
}

// The IP packet at `l3` of `f` has a valid IPv4 header checksum (IPv4) and a valid TCP or
// UDP checksum (0 allowed for UDP when `udp_zero_ok`). Returns the packet's length.
std::size_t check_ip_packet(const Bytes& f, std::size_t l3, bool udp_zero_ok) {
  const bool v6 = f[l3] >> 4 == 6;
  const std::size_t hl = v6 ? 40 : (f[l3] & 0x0f) * 4u;
  const std::size_t len = v6 ? 40u + get16(f, l3 + 4) : get16(f, l3 + 2);
  const std::uint8_t proto = f[l3 + (v6 ? 6 : 9)];
  REQUIRE(l3 + len <= f.size());
  if (!v6) CHECK(checksum(std::span(f).subspan(l3, hl)) == 0);
  const auto l4 = std::span(f).subspan(l3 + hl, len - hl);
  if (proto == IPPROTO_UDP && udp_zero_ok && get16(f, l3 + hl + 6) == 0) return len;
  if (proto == IPPROTO_TCP || proto == IPPROTO_UDP)
    CHECK(checksum(l4, pseudo_sum(f, l3, l4.size(), proto)) == 0);
  return len;
}

// Verifies a tunnel frame from its bytes alone: the outer header's checksum, the outer UDP
// checksum over the whole datagram (or 0 when `udp_checksum` is false), the inner packet's
// own checksums, and that nothing follows the outer packet.
void check_tunnel_frame(const Bytes& f, std::size_t l3, bool udp_checksum) {
  const bool v6 = f[l3] >> 4 == 6;
  const std::size_t hl = v6 ? 40 : 20;
  const std::uint8_t proto = f[l3 + (v6 ? 6 : 9)];
  const std::size_t len = check_ip_packet(f, l3, !udp_checksum);
  CHECK(l3 + len == f.size());
  CHECK(f[l3 + (v6 ? 7 : 8)] == 64);                  // TTL / hop limit
  if (!v6) CHECK((get16(f, l3 + 6) & 0x4000) != 0);  // DF
  std::size_t inner = l3 + hl;
  if (proto == IPPROTO_GRE) inner += 4;
  if (proto == IPPROTO_UDP) {
    const std::size_t udp = l3 + hl;
    CHECK(get16(f, udp + 4) == len - hl);
    if (udp_checksum) {
      CHECK(get16(f, udp + 6) != 0);
      CHECK(checksum(std::span(f).subspan(udp, len - hl), pseudo_sum(f, l3, len - hl, proto)) ==
            0);
    } else {
      CHECK(get16(f, udp + 6) == 0);
    }
    inner += 8 + (get16(f, udp + 2) == 6080 ? 4 : 0);  // GUE on its port
  }
  check_ip_packet(f, inner, true);
}

struct TunnelCase {
  TunnelType type;
  bool checksum;
};

}  // namespace

TEST_CASE("every tunnel type, outer and inner family: the frame built from the RFCs") {
  const TunnelCase tc = GENERATE(values<TunnelCase>({{TunnelType::IPIP, true},
                                                     {TunnelType::GRE, true},
                                                     {TunnelType::FOU, true},
                                                     {TunnelType::FOU, false},
                                                     {TunnelType::GUE, true},
                                                     {TunnelType::GUE, false}}));
  CAPTURE(to_string(tc.type), tc.checksum);
  Lab lab;
  // Port 80 leads to an IPv4 backend, port 81 to an IPv6 one, for each VIP and protocol.
  for (const char* vip : {kVip4, kVip6})
    for (Protocol proto : {Protocol::TCP, Protocol::UDP})
      for (bool outer6 : {false, true}) {
        Backend b = tunnel_backend(tc.type, outer6);
        b.no_checksum = !tc.checksum;
        lab.set_service(service(vip, outer6 ? 81 : 80, proto), {b});
      }

  std::uint64_t sent = 0;
  for (bool inner6 : {false, true})
    for (bool outer6 : {false, true})
      for (Protocol proto : {Protocol::TCP, Protocol::UDP})
        for (bool tagged : {false, true})
          for (std::size_t payload : {0u, 1u, 2u, 3u, 301u}) {
            CAPTURE(inner6, outer6, to_string(proto), tagged, payload);
            const char* vip = inner6 ? kVip6 : kVip4;
            FrameSpec in = tcp(inner6 ? kClient6 : kClient4, 40000, vip, outer6 ? 81 : 80);
            in.proto = static_cast<std::uint8_t>(proto);
            in.payload.assign(payload, 0);
            for (std::size_t i = 0; i < payload; ++i)
              in.payload[i] = static_cast<std::uint8_t>(i * 37 + 11);
            if (tagged) in.vlan_tci = 0xa000 | 42;  // PCP 5, VID 42
            Backend b = tunnel_backend(tc.type, outer6);
            b.no_checksum = !tc.checksum;

            Run r = lab.run(build(in));
            ++sent;
            REQUIRE(r.verdict == XDP_TX);
            CHECK(hex(r.out) == hex(as_encapsulated(in, b)));
            check_tunnel_frame(r.out, l3_offset(in), tc.checksum);
          }
  CHECK(lab.reason(XVS_R_FORWARDED) == sent);
  CHECK(lab.reasons_total() == sent);
}

TEST_CASE("UDP tunnels: the source port carries the flow hash, the same for a whole flow") {
  const TunnelType type = GENERATE(TunnelType::FOU, TunnelType::GUE);
  const bool outer6 = GENERATE(false, true);
  CAPTURE(to_string(type), outer6);
  Lab lab;
  const Backend b = tunnel_backend(type, outer6);
  lab.set_service(service(kVip4, 443), {b});
  const std::size_t sport_at = l3_offset(tcp(kClient4, 1, kVip4, 443)) + (outer6 ? 40 : 20);

  // One flow: SYN, then ACK with data; the port is the same, and the one the hash gives.
  FrameSpec syn = tcp(kClient4, 50000, kVip4, 443, kSyn);
  FrameSpec data = tcp(kClient4, 50000, kVip4, 443, kAck | kPsh);
  data.payload.assign(100, 'x');
  Run first = lab.run(build(syn));
  Run second = lab.run(build(data));
  REQUIRE(first.verdict == XDP_TX);
  REQUIRE(second.verdict == XDP_TX);
  const std::uint16_t port = get16(first.out, sport_at);
  CHECK(port == (0x8000 | flow_hash(syn) >> 17));
  CHECK(get16(second.out, sport_at) == port);

  // Many flows: all in the upper half of the port range, and spread.
  std::set<std::uint16_t> ports;
  for (std::uint16_t client_port = 1000; client_port < 1064; ++client_port) {
    FrameSpec in = tcp(kClient4, client_port, kVip4, 443);
    Run r = lab.run(build(in));
    REQUIRE(r.verdict == XDP_TX);
    const std::uint16_t p = get16(r.out, sport_at);
    CHECK(p == (0x8000 | flow_hash(in) >> 17));
    ports.insert(p);
  }
  CHECK(ports.size() >= 60);  // 64 flows over 32768 ports: a collision or two at most
}

TEST_CASE("IPv6 outer headers carry the flow hash in the flow label") {
  const TunnelType type = GENERATE(TunnelType::IPIP, TunnelType::GRE);
  Lab lab;
  const Backend b = tunnel_backend(type, true);
  lab.set_service(service(kVip4, 80), {b});
  FrameSpec in = tcp(kClient4, 40123, kVip4, 80);
  Run r = lab.run(build(in));
  REQUIRE(r.verdict == XDP_TX);
  const std::size_t l3 = l3_offset(in);
  const std::uint32_t first =
      static_cast<std::uint32_t>(get16(r.out, l3)) << 16 | get16(r.out, l3 + 2);
  CHECK((first & 0xfffff) == flow_hash(in) >> 12);
  CHECK(hex(r.out) == hex(as_encapsulated(in, b)));
}

TEST_CASE("inner UDP without checksum: the outer UDP checksum is 0 too") {
  const TunnelType type = GENERATE(TunnelType::FOU, TunnelType::GUE);
  const bool outer6 = GENERATE(false, true);
  CAPTURE(to_string(type), outer6);
  Lab lab;
  const Backend b = tunnel_backend(type, outer6);
  lab.set_service(service(kVip4, 53, Protocol::UDP), {b});
  FrameSpec in = udp(kClient4, 5353, kVip4, 53);
  in.payload.assign(33, 'q');
  in.l4_checksum = false;  // RFC 768: the sender computed none
  Run r = lab.run(build(in));
  REQUIRE(r.verdict == XDP_TX);
  CHECK(hex(r.out) == hex(as_encapsulated(in, b)));
  check_tunnel_frame(r.out, l3_offset(in), false);
}

TEST_CASE("the inner DSCP is copied outside, ECN is not, the inner packet keeps both") {
  const bool inner6 = GENERATE(false, true);
  const bool outer6 = GENERATE(false, true);
  CAPTURE(inner6, outer6);
  Lab lab;
  const char* vip = inner6 ? kVip6 : kVip4;
  const Backend b = tunnel_backend(TunnelType::GUE, outer6);
  lab.set_service(service(vip, 80), {b});
  FrameSpec in = tcp(inner6 ? kClient6 : kClient4, 40000, vip, 80);
  in.tos = 0xb9;  // EF, ECT(1)
  Run r = lab.run(build(in));
  REQUIRE(r.verdict == XDP_TX);
  const std::size_t l3 = l3_offset(in);
  const std::uint8_t outer_tos =
      outer6 ? static_cast<std::uint8_t>(get16(r.out, l3) >> 4) : r.out[l3 + 1];
  CHECK(outer_tos == 0xb8);
  CHECK(hex(r.out) == hex(as_encapsulated(in, b)));
  check_tunnel_frame(r.out, l3, true);
}

TEST_CASE("inner IPv4 options are carried, and the outer UDP checksum still holds") {
  Lab lab;
  const Backend b = tunnel_backend(TunnelType::FOU, false);
  lab.set_service(service(kVip4, 53, Protocol::UDP), {b});
  FrameSpec in = udp(kClient4, 5353, kVip4, 53);
  in.ip_options = {0x94, 0x04, 0x00, 0x00, 0x01, 0x01, 0x01, 0x00};
  in.payload.assign(9, 'o');
  Run r = lab.run(build(in));
  REQUIRE(r.verdict == XDP_TX);
  CHECK(hex(r.out) == hex(as_encapsulated(in, b)));
  check_tunnel_frame(r.out, l3_offset(in), true);
}

TEST_CASE("Ethernet padding after a small packet is not carried into the tunnel") {
  const TunnelType type = GENERATE(TunnelType::IPIP, TunnelType::GRE, TunnelType::FOU,
                                   TunnelType::GUE);
  const bool tagged = GENERATE(false, true);
  CAPTURE(to_string(type), tagged);
  Lab lab;
  const Backend b = tunnel_backend(type, false);
  lab.set_service(service(kVip4, 80), {b});
  FrameSpec in = tcp(kClient4, 40000, kVip4, 80);  // 54 bytes untagged, before padding
  in.payload.clear();
  if (tagged) in.vlan_tci = 7;
  in.pad_to = 64;
  Run r = lab.run(build(in));
  REQUIRE(r.verdict == XDP_TX);
  CHECK(hex(r.out) == hex(as_encapsulated(in, b)));  // built unpadded: longer than 64
  check_tunnel_frame(r.out, l3_offset(in), true);
}

TEST_CASE("tunnels leave by the destination's interface when there are several") {
  Lab lab;
  Backend b = tunnel_backend(TunnelType::IPIP, false);
  b.ifindex = 2;
  lab.set_service(service(kVip4, 80), {b});
  lab.heartbeat(0, XVS_SETTINGS_MULTI_INTERFACE);
  FrameSpec in = tcp(kClient4, 40000, kVip4, 80);
  Run r = lab.run(build(in), 1);
  CHECK(r.verdict == XDP_REDIRECT);
  CHECK(hex(r.out) == hex(as_encapsulated(in, b)));
}

TEST_CASE("tunnelled packets are counted with their inner length") {
  Lab lab;
  const Service s = service(kVip6, 80);
  const Backend b = tunnel_backend(TunnelType::GUE, false);
  lab.set_service(s, {b});
  FrameSpec in = tcp(kClient6, 40000, kVip6, 80);
  in.payload.assign(200, 'c');
  REQUIRE(lab.run(build(in)).verdict == XDP_TX);
  const xvs_counters d = lab.dp.counters(XVS_COUNTERS_DEST(lab.dest_index(s, b.address)));
  CHECK(d.packets == 1);
  CHECK(d.octets == build(in).size() - l3_offset(in));
  CHECK(d.errors == 0);
}

TEST_CASE("a remote backend is reached through the VLAN's gateway, as resolve() decides") {
  const bool v6 = GENERATE(false, true);
  const bool by_config_route = GENERATE(false, true);
  CAPTURE(v6, by_config_route);
  using namespace detail;
  const MAC gateway_mac{0x02, 0x99, 0, 0, 0, 0x01};
  const MAC other_gateway_mac{0x02, 0x99, 0, 0, 0, 0x02};
  const auto ip = [&](const char* a4, const char* a6) { return IPAddr::parse(v6 ? a6 : a4); };
  const auto prefix = [&](const char* p4, const char* p6) { return Prefix::parse(v6 ? p6 : p4); };

  // One interface with two VLANs (untagged 10.1.0.0/24 and 802.1Q child VLAN 20 with
  // 10.2.0.0/24); the kernel routes the backend's network via VLAN 10's gateway. A
  // configured route, when given, sends it via VLAN 20's gateway instead.
  NetSnapshot net;
  Link eth0{.ifindex = 1, .name = "eth0", .mac = kOurMac, .mtu = 9000, .up = true};
  Link vlan20{.ifindex = 2, .name = "eth0.20", .mac = kOurMac, .mtu = 1500, .up = true,
              .parent = 1, .vlan_id = 20};
  net.links = {eth0, vlan20};
  net.addresses = {{1, prefix("10.1.0.2/24", "fd01::2/64")}, {2, prefix("10.2.0.2/24", "fd02::2/64")}};
  net.routes = {{prefix("10.9.0.0/16", "fd09::/32"), ip("10.1.0.1", "fd01::1"), 1, 0},
                {prefix("0.0.0.0/0", "::/0"), ip("10.2.0.1", "fd02::1"), 2, 0}};
  net.neighbours = {{1, ip("10.1.0.1", "fd01::1"), gateway_mac, true},
                    {2, ip("10.2.0.1", "fd02::1"), other_gateway_mac, true}};
  Config config;
  if (by_config_route) {
    const std::map<std::uint16_t, Prefix> vlans{{10, prefix("10.1.0.2/24", "fd01::2/64")},
                                                {20, prefix("10.2.0.2/24", "fd02::2/64")}};
    (v6 ? config.ipv6_vlans : config.ipv4_vlans) = vlans;
    config.routes = {{prefix("10.9.0.0/16", "fd09::/32"), 20}};
  }
  const std::vector<int> attached{1};
  const IPAddr backend = ip("10.9.0.5", "fd09::5");
  Resolution res = resolve(net, config, attached, backend, false);
  INFO(res.problem);
  REQUIRE(res.next_hop);

  Backend b = tunnel_backend(TunnelType::GUE, v6);
  b.address = backend;
  b.hop = *res.next_hop;
  Lab lab;
  lab.set_service(service(kVip4, 80), {b});
  FrameSpec in = tcp(kClient4, 40000, kVip4, 80);
  in.vlan_tci = 10;
  Run r = lab.run(build(in));
  REQUIRE(r.verdict == XDP_TX);
  CHECK(hex(r.out) == hex(as_encapsulated(in, b)));
  // Spelt out: the gateway's MAC, our address on its VLAN, its VLAN ID and MTU.
  const MAC want_mac = by_config_route ? other_gateway_mac : gateway_mac;
  CHECK(std::equal(want_mac.begin(), want_mac.end(), r.out.begin()));
  CHECK(b.hop->src == ip(by_config_route ? "10.2.0.2" : "10.1.0.2",
                                 by_config_route ? "fd02::2" : "fd01::2"));
  CHECK(get16(r.out, 14) == (by_config_route ? 20 : 0));
  CHECK(b.hop->mtu == (by_config_route ? 1500u : 9000u));
}

TEST_CASE("a tunnel destination without a usable next hop or source address gets no traffic") {
  using namespace detail;
  const Destination gue{.address = IPAddr::parse("10.9.0.5"), .tunnel_type = TunnelType::GUE,
                        .tunnel_port = 6080};
  NextHop hop;
  hop.src = IPAddr::parse("10.1.0.2");
  hop.hop_mac = {0x02, 0x99, 0, 0, 0, 1};
  hop.resolved = true;
  CHECK((dest_entry(gue, &hop, 1, 1).flags & XVS_DEST_READY) != 0);
  CHECK((dest_entry(gue, nullptr, 1, 1).flags & XVS_DEST_READY) == 0);

  NextHop unresolved = hop;
  unresolved.resolved = false;
  CHECK((dest_entry(gue, &unresolved, 1, 1).flags & XVS_DEST_READY) == 0);
  NextHop wrong_family = hop;
  wrong_family.src = IPAddr::parse("fd01::2");
  CHECK((dest_entry(gue, &wrong_family, 1, 1).flags & XVS_DEST_READY) == 0);
  Destination l2 = gue;
  l2.tunnel_type = TunnelType::None;  // layer 2 sends from no address of ours
  CHECK((dest_entry(l2, &wrong_family, 1, 1).flags & XVS_DEST_READY) != 0);

  // A flow still pinned to it is dropped and counted, never sent with a zero MAC.
  Lab lab;
  const Service s = service(kVip4, 80);
  Backend b = tunnel_backend(TunnelType::GUE, false);
  lab.set_service(s, {b});
  FrameSpec in = tcp(kClient4, 40000, kVip4, 80);
  REQUIRE(lab.run(build(in)).verdict == XDP_TX);
  b.hop = unresolved;
  b.hop->hop = b.address;
  lab.set_service(s, {b});  // still in the table (b.ready): only the entry says not ready
  CHECK(lab.run(build(in)).verdict == XDP_DROP);
  CHECK(lab.reason(XVS_R_ERR_NOT_READY) == 1);
}
