// SPDX-License-Identifier: Apache-2.0
// cmd/xvs-decap's program: tunnel packets to this host stripped to the inner frame byte for
// byte; filters, unsupported headers, truncation and unrelated traffic. Maps are programmed
// with the tool's own Decapsulator.
#include <catch2/catch.hpp>

#include <netinet/in.h>

#include <string>
#include <vector>

#include <xvs/error.hpp>

#include "decapsulator.hpp"
#include "lab.hpp"
#include "tunnel_frames.hpp"

using namespace xvs;
using namespace xvs::test;

namespace {

constexpr const char* kLocal4 = "10.0.0.11";  // this backend
constexpr const char* kLocal6 = "fd00::11";
constexpr const char* kPeer4 = "10.0.0.2";  // the balancer
constexpr const char* kPeer6 = "fd00::2";
constexpr std::uint16_t kFouPort = 5555, kGuePort = 6080;

constexpr TunnelType kTunnels[] = {TunnelType::IPIP, TunnelType::GRE, TunnelType::FOU,
                                   TunnelType::GUE};

decap::Filter filter() {
  decap::Filter f;
  f.vips = {IPAddr::parse(kVip4), IPAddr::parse(kVip6)};
  f.peers = {IPAddr::parse(kPeer4), IPAddr::parse(kPeer6)};
  f.fou_port = kFouPort;
  f.gue_port = kGuePort;
  return f;
}

std::uint16_t port_of(TunnelType t) {
  return t == TunnelType::FOU ? kFouPort : t == TunnelType::GUE ? kGuePort : 0;
}

std::uint32_t reason_of(TunnelType t) {
  switch (t) {
    case TunnelType::GRE: return XVS_DECAP_R_GRE;
    case TunnelType::FOU: return XVS_DECAP_R_FOU;
    case TunnelType::GUE: return XVS_DECAP_R_GUE;
    default: return XVS_DECAP_R_IPIP;
  }
}

const char* name_of(TunnelType t) {
  switch (t) {
    case TunnelType::GRE: return "GRE";
    case TunnelType::FOU: return "FOU";
    case TunnelType::GUE: return "GUE";
    default: return "IPIP";
  }
}

// A client's SYN to the VIP of the family.
FrameSpec syn(bool v6) {
  return tcp(v6 ? kClient6 : kClient4, 40123, v6 ? kVip6 : kVip4, 80, kSyn);
}

// Outer headers of `type` from the balancer to this backend.
Outer to_us(TunnelType type, bool v6) {
  return outer(type, v6 ? kPeer6 : kPeer4, v6 ? kLocal6 : kLocal4, port_of(type));
}

std::uint16_t get16(const Bytes& b, std::size_t at) {
  return static_cast<std::uint16_t>(b[at] << 8 | b[at + 1]);
}

// A length field one more than it should be.
void grow16(Bytes& b, std::size_t at) {
  set16(b, at, static_cast<std::uint16_t>(get16(b, at) + 1));
}

class DecapLab : RootOnly {
public:
  explicit DecapLab(const decap::Filter& f = filter()) : decap(f) {
    decap.set_locals({IPAddr::parse(kLocal4), IPAddr::parse(kLocal6)});
  }

  // Runs `frame` and checks that it was counted under `reason`, and nothing else.
  Run run(const Bytes& frame, std::uint32_t reason) {
    const decap::Counts before = decap.counts();
    Run r;
    std::uint32_t retval = 0;
    REQUIRE(test_run(decap.program_fd(), frame, r.out, nullptr, retval) == 0);
    r.verdict = static_cast<int>(retval);
    const decap::Counts after = decap.counts();
    for (std::size_t i = 0; i < after.size(); ++i) {
      CAPTURE(decap::reason_name(i), decap::reason_name(reason));
      CHECK(after[i] - before[i] == (i == reason ? 1u : 0u));
    }
    return r;
  }

  // `frame` is passed on exactly as it came, counted under `reason`.
  void passed_untouched(const Bytes& frame, std::uint32_t reason) {
    Run r = run(frame, reason);
    CHECK(r.verdict == XDP_PASS);
    CHECK(hex(r.out) == hex(frame));
  }

  void dropped(const Bytes& frame, std::uint32_t reason) {
    CHECK(run(frame, reason).verdict == XDP_DROP);
  }

  // `frame` is decapsulated (counted under `reason`) into exactly `inner`.
  void stripped(const Bytes& frame, std::uint32_t reason, const Bytes& inner) {
    Run r = run(frame, reason);
    CHECK(r.verdict == XDP_PASS);
    CHECK(hex(r.out) == hex(inner));
  }

  decap::Decapsulator decap;
};

}  // namespace

TEST_CASE("decap: every tunnel, outer and inner family, tagged or not, is stripped") {
  DecapLab lab;
  for (TunnelType type : kTunnels)
    for (bool outer6 : {false, true})
      for (bool inner6 : {false, true})
        for (bool tagged : {false, true})
          for (bool udp_checksum : {true, false}) {
            if (!udp_checksum && (type == TunnelType::IPIP || type == TunnelType::GRE)) continue;
            CAPTURE(name_of(type), outer6, inner6, tagged, udp_checksum);
            FrameSpec inner = syn(inner6);
            if (tagged) inner.vlan_tci = 0x2064;  // PCP 1, VID 100
            Outer o = to_us(type, outer6);
            o.udp_checksum = udp_checksum;
            lab.stripped(encapsulate(inner, o), reason_of(type), build(inner));
          }
}

TEST_CASE("decap: the inner packet is passed unchanged, whatever it carries") {
  DecapLab lab;
  for (bool v6 : {false, true}) {
    CAPTURE(v6);
    FrameSpec data = tcp(v6 ? kClient6 : kClient4, 40123, v6 ? kVip6 : kVip4, 443, kAck | kPsh);
    data.payload = Bytes(1200, 0x5a);
    data.ttl = 1;  // expires if forwarded, but this is delivery: not looked at
    lab.stripped(encapsulate(data, to_us(TunnelType::GUE, !v6)), XVS_DECAP_R_GUE, build(data));

    FrameSpec dns = udp(v6 ? kClient6 : kClient4, 5353, v6 ? kVip6 : kVip4, 53);
    lab.stripped(encapsulate(dns, to_us(TunnelType::GRE, v6)), XVS_DECAP_R_GRE, build(dns));

    FrameSpec ping = echo(v6 ? kClient6 : kClient4, v6 ? kVip6 : kVip4);
    lab.stripped(encapsulate(ping, to_us(TunnelType::IPIP, v6)), XVS_DECAP_R_IPIP, build(ping));

    Outer ttl1 = to_us(TunnelType::FOU, v6);
    ttl1.ttl = 1;
    lab.stripped(encapsulate(syn(v6), ttl1), XVS_DECAP_R_FOU, build(syn(v6)));
  }
}

TEST_CASE("decap: Ethernet padding after the outer packet stays after the inner one") {
  DecapLab lab;
  FrameSpec inner = syn(false);
  inner.payload.clear();
  inner.pad_to = 128;
  Bytes frame = encapsulate(inner, to_us(TunnelType::IPIP, false));
  REQUIRE(frame.size() == 128);
  FrameSpec want = inner;  // the same padding, 20 bytes of outer header fewer
  want.pad_to = 128 - 20;
  lab.stripped(frame, XVS_DECAP_R_IPIP, build(want));
}

TEST_CASE("decap: only configured peers and VIPs are accepted") {
  DecapLab lab;
  for (TunnelType type : kTunnels)
    for (bool v6 : {false, true}) {
      CAPTURE(name_of(type), v6);
      Outer stranger = to_us(type, v6);
      stranger.saddr = IPAddr::parse(v6 ? "fd00::66" : "10.0.0.66");
      lab.dropped(encapsulate(syn(v6), stranger), XVS_DECAP_R_WRONG_PEER);

      FrameSpec other_vip = syn(v6);
      other_vip.daddr = IPAddr::parse(v6 ? "2001:db8::99" : "192.0.2.99");
      lab.dropped(encapsulate(other_vip, to_us(type, v6)), XVS_DECAP_R_WRONG_VIP);

      // An IPv4 VIP's address family does not matter to the outer header.
      lab.stripped(encapsulate(syn(!v6), to_us(type, v6)), reason_of(type), build(syn(!v6)));
    }
}

TEST_CASE("decap: without VIPs and peers, any inner destination and outer source") {
  decap::Filter open = filter();
  open.vips.clear();
  open.peers.clear();
  DecapLab lab(open);
  for (TunnelType type : kTunnels)
    for (bool v6 : {false, true}) {
      CAPTURE(name_of(type), v6);
      Outer stranger = to_us(type, v6);
      stranger.saddr = IPAddr::parse(v6 ? "fd00::66" : "10.0.0.66");
      FrameSpec other_vip = syn(v6);
      other_vip.daddr = IPAddr::parse(v6 ? "2001:db8::99" : "192.0.2.99");
      lab.stripped(encapsulate(other_vip, stranger), reason_of(type), build(other_vip));
    }
}

TEST_CASE("decap: GRE headers other than RFC 2784's base header are dropped") {
  DecapLab lab;
  struct Case {
    const char* name;
    Bytes header;
    std::uint32_t reason;
  };
  for (bool v6 : {false, true}) {
    const std::uint8_t type_hi = v6 ? 0x86 : 0x08, type_lo = v6 ? 0xdd : 0x00;
    const std::vector<Case> cases{
        {"checksum present", {0x80, 0, type_hi, type_lo, 0x12, 0x34, 0, 0}, XVS_DECAP_R_GRE_FLAGS},
        {"key present", {0x20, 0, type_hi, type_lo, 0, 0, 0, 7}, XVS_DECAP_R_GRE_FLAGS},
        {"sequence present", {0x10, 0, type_hi, type_lo, 0, 0, 0, 1}, XVS_DECAP_R_GRE_FLAGS},
        {"routing present (RFC 1701)", {0x40, 0, type_hi, type_lo}, XVS_DECAP_R_GRE_FLAGS},
        {"version 1", {0, 1, type_hi, type_lo}, XVS_DECAP_R_GRE_FLAGS},
        {"transparent Ethernet", {0, 0, 0x65, 0x58}, XVS_DECAP_R_UNSUPPORTED},
        {"IPv4 said, IPv6 inside", {0, 0, 0x08, 0x00}, XVS_DECAP_R_MALFORMED},
    };
    for (const Case& c : cases) {
      CAPTURE(c.name, v6);
      Outer o = to_us(TunnelType::GRE, v6);
      o.header = c.header;
      // The last case lies about an IPv6 packet; the others carry the family they name.
      lab.dropped(encapsulate(syn(c.reason == XVS_DECAP_R_MALFORMED || v6), o), c.reason);
    }
    // RFC 2784: reserved bits 6-12 "MUST be ignored on receipt".
    Outer reserved = to_us(TunnelType::GRE, v6);
    reserved.header = Bytes{0x02, 0x08, type_hi, type_lo};
    lab.stripped(encapsulate(syn(v6), reserved), XVS_DECAP_R_GRE, build(syn(v6)));
  }
}

TEST_CASE("decap: GUE headers other than variant 0 data without options are dropped") {
  DecapLab lab;
  struct Case {
    const char* name;
    Bytes header;
    std::uint32_t reason;
  };
  const std::vector<Case> cases{
      {"variant 1", {0x40, 4, 0, 0}, XVS_DECAP_R_GUE_HEADER},
      {"version 3", {0xc0, 4, 0, 0}, XVS_DECAP_R_GUE_HEADER},
      {"control message", {0x20, 0, 0, 0}, XVS_DECAP_R_GUE_HEADER},
      {"extension fields", {0x01, 4, 0, 0, 0, 0, 0, 0}, XVS_DECAP_R_GUE_HEADER},
      {"flags", {0, 4, 0x80, 0}, XVS_DECAP_R_GUE_HEADER},
      {"UDP inside", {0, IPPROTO_UDP, 0, 0}, XVS_DECAP_R_UNSUPPORTED},
      {"IPv6 said, IPv4 inside", {0, IPPROTO_IPV6, 0, 0}, XVS_DECAP_R_MALFORMED},
  };
  for (bool v6 : {false, true})
    for (const Case& c : cases) {
      CAPTURE(c.name, v6);
      Outer o = to_us(TunnelType::GUE, v6);
      o.header = c.header;
      lab.dropped(encapsulate(syn(false), o), c.reason);
    }
}

TEST_CASE("decap: FOU carrying neither IPv4 nor IPv6 is dropped") {
  DecapLab lab;
  FrameSpec inner = syn(false);
  Bytes frame = encapsulate(inner, to_us(TunnelType::FOU, false));
  frame[14 + 20 + 8] = 0x55;  // version nibble 5
  lab.dropped(frame, XVS_DECAP_R_UNSUPPORTED);
}

TEST_CASE("decap: FOU and GUE to a port that is not configured pass untouched") {
  decap::Filter none = filter();
  none.fou_port = none.gue_port = 0;
  DecapLab lab(none);
  DecapLab configured;
  for (bool v6 : {false, true})
    for (TunnelType type : {TunnelType::FOU, TunnelType::GUE}) {
      CAPTURE(name_of(type), v6);
      lab.passed_untouched(encapsulate(syn(v6), to_us(type, v6)), XVS_DECAP_R_NOT_TUNNEL);
      Outer elsewhere = to_us(type, v6);
      elsewhere.dport = 7777;
      configured.passed_untouched(encapsulate(syn(v6), elsewhere), XVS_DECAP_R_NOT_TUNNEL);
    }
  // IPIP and GRE need no port.
  lab.stripped(encapsulate(syn(true), to_us(TunnelType::GRE, false)), XVS_DECAP_R_GRE,
               build(syn(true)));
}

TEST_CASE("decap: local addresses follow the host's") {
  DecapLab lab;
  const Bytes to6 = encapsulate(syn(false), to_us(TunnelType::IPIP, true));
  lab.decap.set_locals({IPAddr::parse(kLocal4)});
  lab.passed_untouched(to6, XVS_DECAP_R_NOT_LOCAL);
  lab.stripped(encapsulate(syn(false), to_us(TunnelType::IPIP, false)), XVS_DECAP_R_IPIP,
               build(syn(false)));
  lab.decap.set_locals({IPAddr::parse(kLocal6)});
  lab.stripped(to6, XVS_DECAP_R_IPIP, build(syn(false)));
}

TEST_CASE("decap: FOU and GUE cannot share a port") {
  RootOnly root;
  decap::Filter f = filter();
  f.gue_port = f.fou_port;
  try {
    decap::Decapsulator d(f);
    FAIL("accepted FOU and GUE both on port " << f.fou_port);
  } catch (const Error& e) {
    CHECK(e.code() == Errc::invalid_argument);
    CHECK_THAT(e.what(), Catch::Contains(std::to_string(kFouPort)));
  }
}

TEST_CASE("decap: traffic that is not a tunnel to this host passes untouched") {
  DecapLab lab;
  for (bool v6 : {false, true}) {
    CAPTURE(v6);
    const char* local = v6 ? kLocal6 : kLocal4;
    const char* peer = v6 ? kPeer6 : kPeer4;
    lab.passed_untouched(build(tcp(peer, 40000, local, 22)), XVS_DECAP_R_NOT_TUNNEL);
    lab.passed_untouched(build(udp(peer, 40000, local, 53)), XVS_DECAP_R_NOT_TUNNEL);
    lab.passed_untouched(build(echo(peer, local)), XVS_DECAP_R_NOT_TUNNEL);
    // Tunnel packets for another host (this one is not a router of tunnels).
    Outer other = to_us(TunnelType::IPIP, v6);
    other.daddr = IPAddr::parse(v6 ? "fd00::12" : "10.0.0.12");
    lab.passed_untouched(encapsulate(syn(v6), other), XVS_DECAP_R_NOT_LOCAL);
    // The VIP itself is not a local address here.
    lab.passed_untouched(build(syn(v6)), XVS_DECAP_R_NOT_LOCAL);
  }

  // IPv6 neighbour solicitations, to the solicited-node group and to our address.
  FrameSpec ns = echo("fe80::2", "ff02::1:ff00:11");
  ns.icmp_type = 135;
  ns.ttl = 255;
  ns.dst = {0x33, 0x33, 0xff, 0, 0, 0x11};
  lab.passed_untouched(build(ns), XVS_DECAP_R_NOT_LOCAL);
  ns.daddr = IPAddr::parse(kLocal6);
  lab.passed_untouched(build(ns), XVS_DECAP_R_NOT_TUNNEL);

  // An ARP request for our address.
  Bytes arp{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0xcc, 0, 0, 0, 0x01, 0x08, 0x06,
            0, 1, 0x08, 0, 6, 4, 0, 1, 0x02, 0xcc, 0, 0, 0, 0x01, 10, 0, 0, 2,
            0, 0, 0, 0, 0, 0, 10, 0, 0, 11};
  lab.passed_untouched(arp, XVS_DECAP_R_NOT_IP);
  // Double tagged (802.1ad): not IP as far as a single-tag parser knows.
  FrameSpec qinq = syn(false);
  qinq.vlan_tci = 0x0064;
  Bytes frame = encapsulate(qinq, to_us(TunnelType::IPIP, false));
  frame[12] = 0x88;
  frame[13] = 0xa8;
  lab.passed_untouched(frame, XVS_DECAP_R_NOT_IP);
}

TEST_CASE("decap: inconsistent outer headers are dropped") {
  DecapLab lab;
  const std::size_t l3 = 14;

  SECTION("an IPv4 fragment") {
    for (std::uint16_t frag : std::initializer_list<std::uint16_t>{0x2000, 0x0010, 0x2010}) {
      CAPTURE(frag);
      Outer o = to_us(TunnelType::IPIP, false);
      o.frag = frag;
      lab.dropped(encapsulate(syn(false), o), XVS_DECAP_R_FRAGMENTED);
    }
    Outer first = to_us(TunnelType::FOU, false);
    first.frag = 0x2000;
    lab.dropped(encapsulate(syn(false), first), XVS_DECAP_R_FRAGMENTED);
    // A later UDP fragment has no port to tell a tunnel by: the host reassembles it.
    Outer later = to_us(TunnelType::FOU, false);
    later.frag = 0x0010;
    lab.passed_untouched(encapsulate(syn(false), later), XVS_DECAP_R_NOT_TUNNEL);
  }
  SECTION("a bad IPv4 header checksum") {
    Bytes frame = encapsulate(syn(false), to_us(TunnelType::GRE, false));
    frame[l3 + 11] ^= 0x01;  // the checksum's low byte
    lab.dropped(frame, XVS_DECAP_R_MALFORMED);
  }
  SECTION("an IPv4 header length below 20") {
    Bytes frame = encapsulate(syn(false), to_us(TunnelType::IPIP, false));
    frame[l3] = 0x44;
    lab.dropped(frame, XVS_DECAP_R_MALFORMED);
  }
  SECTION("an IP length beyond the frame") {
    for (bool v6 : {false, true}) {
      Bytes frame = encapsulate(syn(v6), to_us(TunnelType::GRE, v6));
      grow16(frame, l3 + (v6 ? 4 : 2));
      if (!v6) {  // with a valid checksum, so that only the length is wrong
        set16(frame, l3 + 10, 0);
        set16(frame, l3 + 10, checksum(std::span(frame).subspan(l3, 20)));
      }
      lab.dropped(frame, XVS_DECAP_R_MALFORMED);
    }
  }
  SECTION("a UDP length beyond the IP packet, or too short for the tunnel header") {
    for (bool v6 : {false, true})
      for (TunnelType type : {TunnelType::FOU, TunnelType::GUE}) {
        CAPTURE(name_of(type), v6);
        Bytes frame = encapsulate(syn(v6), to_us(type, v6));
        const std::size_t len_at = l3 + (v6 ? 40 : 20) + 4;
        const std::uint16_t len = get16(frame, len_at);
        // Beyond the IP packet, shorter than UDP's header, and no room for an inner header
        // (GUE's header cut short, FOU's payload empty).
        const int none = type == TunnelType::GUE ? 11 : 8;
        for (int bad : {len + 1, 7, none}) {
          CAPTURE(bad);
          set16(frame, len_at, static_cast<std::uint16_t>(bad));
          lab.dropped(frame, XVS_DECAP_R_MALFORMED);
        }
      }
  }
  SECTION("an inner packet longer than the tunnel's payload, or of the wrong version") {
    for (TunnelType type : kTunnels)
      for (bool outer6 : {false, true})
        for (bool inner6 : {false, true}) {
          CAPTURE(name_of(type), outer6, inner6);
          Outer o = to_us(type, outer6);
          Bytes frame = encapsulate(syn(inner6), o);
          std::size_t in = l3 + overhead(o);
          Bytes longer = frame;
          grow16(longer, in + (inner6 ? 4 : 2));
          lab.dropped(longer, XVS_DECAP_R_MALFORMED);
          Bytes version = frame;
          version[in] = static_cast<std::uint8_t>((inner6 ? 0x40 : 0x60) | (version[in] & 0x0f));
          // FOU takes the family from this very nibble: it then finds the rest inconsistent.
          lab.dropped(version, XVS_DECAP_R_MALFORMED);
        }
  }
}

TEST_CASE("decap: frames cut at every offset are passed untouched or dropped, never stripped") {
  DecapLab lab;
  for (TunnelType type : kTunnels)
    for (bool outer6 : {false, true})
      for (bool tagged : {false, true}) {
        FrameSpec inner = syn(!outer6);
        if (tagged) inner.vlan_tci = 0x0064;
        const Outer o = to_us(type, outer6);
        const Bytes full = encapsulate(inner, o);
        const std::size_t l3 = l3_offset(inner);
        // Up to the UDP header the packet cannot be told from the host's own traffic.
        const bool udp = type == TunnelType::FOU || type == TunnelType::GUE;
        const std::size_t classified = l3 + (outer6 ? 40 : 20) + (udp ? 8 : 0);
        for (std::size_t len = 14; len < full.size(); ++len) {
          CAPTURE(name_of(type), outer6, tagged, len);
          const Bytes cut(full.begin(), full.begin() + static_cast<long>(len));
          if (len < classified)
            lab.passed_untouched(cut, XVS_DECAP_R_SHORT);
          else
            lab.dropped(cut, XVS_DECAP_R_MALFORMED);
        }
      }
}
