// SPDX-License-Identifier: Apache-2.0
// Path MTU: a packet that fits the destination's MTU once encapsulated is forwarded, one byte
// more gets the client an ICMP "fragmentation needed" / ICMPv6 "packet too big" from the VIP.
// The expected error is built here from RFC 792, RFC 1191 and RFC 4443, checksums included.
#include <catch2/catch.hpp>

#include <algorithm>

#include "lab.hpp"

using namespace xvs;
using namespace xvs::test;

namespace {

constexpr std::size_t kTcpHeader = 20;

// A TCP frame from the client to the VIP of its family whose IP packet is `ip_len` bytes.
FrameSpec sized(bool v6, std::size_t ip_len, std::uint16_t dport) {
  const char* vip = v6 ? kVip6 : kVip4;
  FrameSpec in = tcp(v6 ? kClient6 : kClient4, 40000, vip, dport, kAck | kPsh);
  in.payload.resize(ip_len - (v6 ? 40 : 20) - kTcpHeader);
  for (std::size_t i = 0; i < in.payload.size(); ++i)
    in.payload[i] = static_cast<std::uint8_t>(i * 13 + 5);
  return in;
}

// The error `in` (sent as `frame`) earns for an MTU of `mtu` on the path: back to the router
// it came from (MACs swapped, 802.1Q tag as it came), from the VIP, TTL 64, quoting as much
// of the packet as fits in 576 (IPv4) or 1280 (IPv6) bytes.
Bytes expected_too_big(const FrameSpec& in, const Bytes& frame, std::uint32_t mtu) {
  const bool v6 = in.daddr.is6();
  const std::size_t l3 = l3_offset(in);
  const std::size_t quote = std::min<std::size_t>(frame.size() - l3, v6 ? 1280 - 48 : 576 - 28);
  Bytes msg;
  if (v6) {
    msg = {2, 0, 0, 0};  // packet too big, code 0, checksum
    put32(msg, mtu);
  } else {
    msg = {3, 4, 0, 0, 0, 0};  // destination unreachable, fragmentation needed, checksum, unused
    put16(msg, static_cast<std::uint16_t>(mtu));
  }
  msg.insert(msg.end(), frame.begin() + static_cast<long>(l3),
             frame.begin() + static_cast<long>(l3 + quote));

  Bytes f(frame.begin(), frame.begin() + static_cast<long>(l3));
  std::swap_ranges(f.begin(), f.begin() + 6, f.begin() + 6);
  const std::size_t ip = f.size();
  if (v6) {
    Bytes pseudo;
    put_addr(pseudo, in.daddr);
    put_addr(pseudo, in.saddr);
    put32(pseudo, static_cast<std::uint32_t>(msg.size()));
    put32(pseudo, IPPROTO_ICMPV6);
    set16(msg, 2, checksum(msg, sum16(pseudo)));
    put32(f, 0x60000000);
    put16(f, static_cast<std::uint16_t>(msg.size()));
    f.push_back(IPPROTO_ICMPV6);
    f.push_back(64);
  } else {
    set16(msg, 2, checksum(msg));
    f.push_back(0x45);
    f.push_back(0);
    put16(f, static_cast<std::uint16_t>(20 + msg.size()));
    put16(f, 0);       // identification: DF is set
    put16(f, 0x4000);  // DF
    f.push_back(64);
    f.push_back(IPPROTO_ICMP);
    put16(f, 0);
  }
  put_addr(f, in.daddr);  // from the VIP
  put_addr(f, in.saddr);  // to the client
  if (!v6) set16(f, ip + 10, checksum(std::span(f).subspan(ip, 20)));
  f.insert(f.end(), msg.begin(), msg.end());
  return f;
}

std::uint16_t get16(const Bytes& f, std::size_t at) {
  return static_cast<std::uint16_t>(f[at] << 8 | f[at + 1]);
}

// The fields of a too-big error read from the output alone, and its checksums verified there.
void check_too_big(const Bytes& out, const FrameSpec& in, const Bytes& frame, std::uint32_t mtu) {
  const bool v6 = in.daddr.is6();
  const std::size_t l3 = l3_offset(in), icmp = l3 + (v6 ? 40 : 20);
  REQUIRE(out.size() > icmp + 8);
  CHECK(out[icmp] == (v6 ? 2 : 3));
  CHECK(out[icmp + 1] == (v6 ? 0 : 4));
  CHECK((v6 ? std::uint32_t{get16(out, icmp + 4)} << 16 | get16(out, icmp + 6)
            : get16(out, icmp + 6)) == mtu);
  CHECK(out.size() - l3 <= (v6 ? 1280u : 576u));
  // The quote: the start of the packet as the client sent it.
  CHECK(std::equal(out.begin() + static_cast<long>(icmp + 8), out.end(),
                   frame.begin() + static_cast<long>(l3)));
  std::uint32_t pseudo = 0;
  if (v6) {
    Bytes p(out.begin() + static_cast<long>(l3 + 8), out.begin() + static_cast<long>(l3 + 40));
    put32(p, static_cast<std::uint32_t>(out.size() - icmp));
    put32(p, IPPROTO_ICMPV6);
    pseudo = sum16(p);
  } else {
    CHECK(checksum(std::span(out).subspan(l3, 20)) == 0);
  }
  CHECK(checksum(std::span(out).subspan(icmp), pseudo) == 0);
}

}  // namespace

TEST_CASE("the largest packet that fits is forwarded, one byte more gets too-big") {
  const TunnelType type = GENERATE(TunnelType::IPIP, TunnelType::GRE, TunnelType::FOU,
                                   TunnelType::GUE);
  CAPTURE(to_string(type));
  Lab lab;
  // Port 80 leads to an IPv4 backend, port 81 to an IPv6 one, for each VIP.
  for (const char* vip : {kVip4, kVip6})
    for (bool outer6 : {false, true})
      lab.set_service(service(vip, outer6 ? 81 : 80), {tunnel_backend(type, outer6)});

  std::uint64_t too_big = 0, forwarded = 0;
  for (bool inner6 : {false, true})
    for (bool outer6 : {false, true})
      for (bool tagged : {false, true}) {
        CAPTURE(inner6, outer6, tagged);
        const Backend b = tunnel_backend(type, outer6);
        const std::size_t over = overhead(tunnel_outer(tcp(kClient4, 1, kVip4, 80), b));
        const std::size_t limit = b.mtu - over;
        const std::uint16_t port = outer6 ? 81 : 80;

        FrameSpec fits = sized(inner6, limit, port);
        if (tagged) fits.vlan_tci = 0x2000 | 300;
        Run r = lab.run(build(fits));
        ++forwarded;
        REQUIRE(r.verdict == XDP_TX);
        CHECK(r.out.size() - l3_offset(fits) == b.mtu);
        CHECK(hex(r.out) == hex(as_encapsulated(fits, b)));

        FrameSpec big = sized(inner6, limit + 1, port);
        big.vlan_tci = fits.vlan_tci;
        const Bytes frame = build(big);
        r = lab.run(frame);
        ++too_big;
        REQUIRE(r.verdict == XDP_TX);
        CHECK(hex(r.out) == hex(expected_too_big(big, frame, static_cast<std::uint32_t>(limit))));
        check_too_big(r.out, big, frame, static_cast<std::uint32_t>(limit));
      }
  CHECK(lab.reason(XVS_R_FORWARDED) == forwarded);
  CHECK(lab.reason(XVS_R_TOO_BIG) == too_big);
  CHECK(lab.reasons_total() == forwarded + too_big);
}

TEST_CASE("a packet that fits the error whole is quoted whole, odd length included") {
  // IPv4: IPIP over IPv4 at MTU 560 leaves 540; 541 bytes fit in a 576-byte error. IPv6:
  // GUE over IPv6 at the minimum MTU 1280 leaves 1228; 1229 bytes fit in 1280.
  const bool v6 = GENERATE(false, true);
  CAPTURE(v6);
  Lab lab;
  Backend b = tunnel_backend(v6 ? TunnelType::GUE : TunnelType::IPIP, v6);
  b.mtu = v6 ? 1280 : 560;
  lab.set_service(service(v6 ? kVip6 : kVip4, 80), {b});
  const std::size_t limit = b.mtu - (v6 ? 52 : 20);
  const FrameSpec big = sized(v6, limit + 1, 80);
  const Bytes frame = build(big);
  Run r = lab.run(frame);
  REQUIRE(r.verdict == XDP_TX);
  CHECK(r.out.size() == l3_offset(big) + (v6 ? 48 : 28) + limit + 1);
  CHECK(hex(r.out) == hex(expected_too_big(big, frame, static_cast<std::uint32_t>(limit))));
  check_too_big(r.out, big, frame, static_cast<std::uint32_t>(limit));
}

TEST_CASE("IPv4 too big with DF clear gets fragmentation-needed as with DF set") {
  // XDP cannot fragment; told the MTU, the client lowers its path MTU (TCP its segments).
  const std::uint16_t frag = GENERATE(std::uint16_t{0}, std::uint16_t{0x4000});
  CAPTURE(frag);
  Lab lab;
  const Backend b = tunnel_backend(TunnelType::GRE, false);
  lab.set_service(service(kVip4, 80), {b});
  FrameSpec big = sized(false, 1500 - 24 + 1, 80);
  big.frag = frag;
  big.vlan_tci = 5;
  const Bytes frame = build(big);
  Run r = lab.run(frame);
  REQUIRE(r.verdict == XDP_TX);
  CHECK(hex(r.out) == hex(expected_too_big(big, frame, 1500 - 24)));
  check_too_big(r.out, big, frame, 1500 - 24);
  CHECK(lab.reason(XVS_R_TOO_BIG) == 1);
}

TEST_CASE("too-big errors are counted as errors of the service and the destination") {
  Lab lab;
  const Service s = service(kVip6, 80);
  const Backend b = tunnel_backend(TunnelType::IPIP, true);
  lab.set_service(s, {b});
  REQUIRE(lab.run(build(sized(true, 1500 - 40 + 1, 80))).verdict == XDP_TX);
  CHECK(lab.reason(XVS_R_TOO_BIG) == 1);
  const std::uint32_t service_slot = XVS_COUNTERS_SERVICE(lab.service_slot(s));
  const std::uint32_t dest_slot = XVS_COUNTERS_DEST(std::uint32_t{lab.dest_index(s, b.address)});
  for (std::uint32_t slot : {service_slot, dest_slot}) {
    const xvs_counters c = lab.dp.counters(slot);
    CHECK(c.packets == 1);
    CHECK(c.errors == 1);
  }
}

TEST_CASE("layer-2 destinations do not grow the packet: no MTU check") {
  Lab lab;
  Backend b = backends(false, 1)[0];
  b.mtu = 1400;
  lab.set_service(service(kVip4, 80), {b});
  const FrameSpec in = sized(false, 1500, 80);
  Run r = lab.run(build(in));
  REQUIRE(r.verdict == XDP_TX);
  CHECK(hex(r.out) == hex(build(as_forwarded(in, b))));
}
