// SPDX-License-Identifier: Apache-2.0
// Health-check NAT in the data plane (bpf/nat.h): a probe from the host to a NAT address
// leaves as a packet from us to the VIP on the pair's backend's path (802.1Q tag pushed,
// tunnel), and the backend's reply comes back as a packet from the NAT address to the host,
// untagged, into the pair. Expected frames are built independently (frame.hpp).
#include <catch2/catch.hpp>

#include "lab.hpp"
#include "dataplane/nat_pairs.hpp"
#include "net/natns.hpp"

using namespace xvs;
using namespace xvs::test;
using detail::kNatHostMac;
using detail::kNatPeerMac;

namespace {

constexpr std::uint32_t kPairIfindex = 7;

struct NatLab {
  Lab lab;
  detail::NatPairs pairs{lab.dp};
  bool v6;
  const char* vip;
  IPAddr host;

  NatLab(bool ipv6, const std::vector<Backend>& bs) : v6(ipv6), vip(ipv6 ? kVip6 : kVip4) {
    host = detail::nat_host_address(v6);
    lab.nat_ifindex = kPairIfindex;
    lab.heartbeat();
    lab.set_service(service(vip, 80), bs);
    std::map<IPAddr, xvs_nat> entries;
    for (const Backend& b : bs) entries[b.address] = entry(b);
    pairs.set(IPAddr::parse(vip), entries);
  }

  xvs_nat entry(const Backend& b, std::uint16_t vlan = 0) const {
    return lab.nat_entry(service(vip, 80), b.address, vlan);
  }

  IPAddr nat(const Backend& b) const { return pairs.address(IPAddr::parse(vip), b.address); }

  // The host's probe: what the host end's program receives back from the peer.
  FrameSpec probe(const Backend& b, std::uint16_t sport = 40000, std::uint8_t flags = kSyn) {
    FrameSpec f = tcp("0.0.0.0", sport, "0.0.0.0", 80, flags);
    f.saddr = host;
    f.daddr = nat(b);
    f.src = kNatPeerMac;  // reflected by the peer
    f.dst = kNatHostMac;
    return f;
  }

  // The backend's reply to a probe that left from `port`, as it reaches our interface.
  FrameSpec reply(std::uint16_t port, std::optional<std::uint16_t> tci = {}) {
    FrameSpec f = tcp(vip, 80, v6 ? kOurAddr6 : kOurAddr4, port, kSyn | kAck);
    f.vlan_tci = tci;
    return f;
  }

  xvs_nat_counters counters() const {
    Metrics m;
    pairs.add_metrics(m);
    xvs_nat_counters c{};
    c.probes = m["nat_probes"];
    c.no_pair = m["nat_no_pair"];
    c.not_ready = m["nat_not_ready"];
    c.no_port = m["nat_no_port"];
    c.malformed = m["nat_malformed"];
    return c;
  }
};

// The probe as it must leave for `b` from source port `port`: from us to the VIP.
FrameSpec on_the_wire(const NatLab& n, FrameSpec probe, const Backend& b, std::uint16_t port) {
  probe.saddr = IPAddr::parse(n.v6 ? kOurAddr6 : kOurAddr4);
  probe.daddr = IPAddr::parse(n.vip);
  probe.sport = port;
  return as_forwarded(probe, b);
}

std::uint16_t sport_of(const Bytes& frame, const FrameSpec& spec) {
  const std::size_t at = l4_offset(spec);
  return static_cast<std::uint16_t>(frame.at(at) << 8 | frame.at(at + 1));
}

}  // namespace

TEST_CASE("a probe leaves on its backend's path and the reply comes back into the pair") {
  const bool v6 = GENERATE(false, true);
  const bool tagged = GENERATE(false, true);  // the backend's VLAN is a tagged one
  CAPTURE(v6, tagged);
  auto bs = backends(v6, 2);
  NatLab n(v6, bs);
  if (tagged) n.pairs.set(IPAddr::parse(n.vip), {{bs[0].address, n.entry(bs[0], 101)},
                                                 {bs[1].address, n.entry(bs[1])}});

  const FrameSpec probe = n.probe(bs[0]);
  Run r = n.lab.run_program("xvs_nat", build(probe));
  REQUIRE(r.verdict == XDP_REDIRECT);
  FrameSpec want = on_the_wire(n, probe, bs[0], 40000);
  if (tagged) want.vlan_tci = 101;
  CHECK(hex(r.out) == hex(build(want)));
  CHECK(n.counters().probes == 1);

  // The reply, tagged or not on the wire, enters the pair untagged, host-bound.
  Run back = n.lab.run(build(n.reply(40000, tagged ? std::optional<std::uint16_t>(0x2065)
                                                   : std::nullopt)));
  REQUIRE(back.verdict == XDP_REDIRECT);
  FrameSpec home = n.reply(40000);
  home.saddr = n.nat(bs[0]);
  home.daddr = n.host;
  home.src = kNatHostMac;
  home.dst = kNatPeerMac;
  CHECK(hex(back.out) == hex(build(home)));
  CHECK(n.lab.reason(XVS_R_PROBE_REPLY) == 1);
  // Replies are not client traffic: no VIP counter moved.
  CHECK(n.lab.dp.counters(XVS_COUNTERS_GLOBAL).packets == 0);
}

TEST_CASE("two probes from one host port to two backends of a VIP leave from different ports") {
  const bool v6 = GENERATE(false, true);
  CAPTURE(v6);
  auto bs = backends(v6, 2);
  NatLab n(v6, bs);
  Run first = n.lab.run_program("xvs_nat", build(n.probe(bs[0])));
  Run second = n.lab.run_program("xvs_nat", build(n.probe(bs[1])));
  REQUIRE(first.verdict == XDP_REDIRECT);
  REQUIRE(second.verdict == XDP_REDIRECT);
  const std::uint16_t port = sport_of(second.out, n.probe(bs[1]));
  CHECK(sport_of(first.out, n.probe(bs[0])) == 40000);
  CHECK(port != 40000);
  CHECK(hex(second.out) == hex(build(on_the_wire(n, n.probe(bs[1]), bs[1], port))));
  // Later packets of each keep their port.
  Run again = n.lab.run_program("xvs_nat", build(n.probe(bs[1], 40000, kAck)));
  CHECK(sport_of(again.out, n.probe(bs[1])) == port);

  // Each reply finds its own NAT address.
  for (auto [wire, b] : {std::pair{std::uint16_t{40000}, bs[0]}, std::pair{port, bs[1]}}) {
    Run back = n.lab.run(build(n.reply(wire)));
    REQUIRE(back.verdict == XDP_REDIRECT);
    FrameSpec home = n.reply(40000);
    home.saddr = n.nat(b);
    home.daddr = n.host;
    home.src = kNatHostMac;
    home.dst = kNatPeerMac;
    CHECK(hex(back.out) == hex(build(home)));
  }
}

// Found by the client fuzz campaign (test_fuzz_client.cpp): the reply entry was matched on
// NAT address and host port only, so a probe from another source address of the host took
// over the first one's port on the wire, and its replies went to the first one's address.
TEST_CASE(
    "probes from two host addresses with one port to one backend leave from different ports") {
  const bool v6 = GENERATE(false, true);
  CAPTURE(v6);
  auto bs = backends(v6, 1);
  NatLab n(v6, bs);
  const FrameSpec first = n.probe(bs[0]);
  FrameSpec second = first;
  second.saddr = IPAddr::parse(v6 ? kOurAddr6 : kOurAddr4);  // bound to another address
  Run a = n.lab.run_program("xvs_nat", build(first));
  Run b = n.lab.run_program("xvs_nat", build(second));
  REQUIRE(a.verdict == XDP_REDIRECT);
  REQUIRE(b.verdict == XDP_REDIRECT);
  CHECK(sport_of(a.out, first) == 40000);
  const std::uint16_t port = sport_of(b.out, second);
  CHECK(port != 40000);

  // Each reply goes back to the address its probe came from.
  for (auto [wire, host] :
       {std::pair{std::uint16_t{40000}, first.saddr}, std::pair{port, second.saddr}}) {
    Run back = n.lab.run(build(n.reply(wire)));
    REQUIRE(back.verdict == XDP_REDIRECT);
    FrameSpec home = n.reply(40000);
    home.saddr = n.nat(bs[0]);
    home.daddr = host;
    home.src = kNatHostMac;
    home.dst = kNatPeerMac;
    CHECK(hex(back.out) == hex(build(home)));
  }
}

TEST_CASE("a probe through a tunnel is encapsulated like client traffic") {
  const bool v6 = GENERATE(false, true);
  const TunnelType t = GENERATE(TunnelType::IPIP, TunnelType::GUE);
  CAPTURE(v6, t);
  const Backend b = tunnel_backend(t, v6);
  NatLab n(v6, {b});
  const FrameSpec probe = n.probe(b);
  Run r = n.lab.run_program("xvs_nat", build(probe));
  REQUIRE(r.verdict == XDP_REDIRECT);
  FrameSpec inner = probe;
  inner.saddr = IPAddr::parse(v6 ? kOurAddr6 : kOurAddr4);
  inner.daddr = IPAddr::parse(n.vip);
  CHECK(hex(r.out) == hex(as_encapsulated(inner, b)));
}

TEST_CASE("probes that cannot be sent are dropped and counted; the rest is the host's") {
  auto bs = backends(false, 1);
  NatLab n(false, bs);

  SECTION("a NAT address no pair holds") {
    FrameSpec p = n.probe(bs[0]);
    p.daddr = IPAddr::parse("198.18.9.9");
    CHECK(n.lab.run_program("xvs_nat", build(p)).verdict == XDP_DROP);
    CHECK(n.counters().no_pair == 1);
  }
  SECTION("the host end's own address (replies the peer reflected) and other traffic pass") {
    FrameSpec p = n.reply(40000);
    p.saddr = n.nat(bs[0]);
    p.daddr = n.host;
    CHECK(n.lab.run_program("xvs_nat", build(p)).verdict == XDP_PASS);
    CHECK(n.lab.run_program("xvs_nat", build(tcp(kClient4, 1, "10.9.9.9", 80))).verdict ==
          XDP_PASS);
  }
  SECTION("a destination slot reused since the entry was written") {
    n.lab.bump_generation(service(n.vip, 80), bs[0].address);
    CHECK(n.lab.run_program("xvs_nat", build(n.probe(bs[0]))).verdict == XDP_DROP);
    CHECK(n.counters().not_ready == 1);
  }
  SECTION("a stale control plane") {
    n.lab.heartbeat(-61'000'000'000);
    CHECK(n.lab.run_program("xvs_nat", build(n.probe(bs[0]))).verdict == XDP_DROP);
    CHECK(n.counters().not_ready == 1);
  }
  SECTION("not TCP or UDP, or truncated") {
    FrameSpec p = n.probe(bs[0]);
    p.proto = IPPROTO_ICMP;
    CHECK(n.lab.run_program("xvs_nat", build(p)).verdict == XDP_DROP);
    Bytes cut = build(n.probe(bs[0]));
    cut.resize(cut.size() - 4);
    CHECK(n.lab.run_program("xvs_nat", cut).verdict == XDP_DROP);
    CHECK(n.counters().malformed == 2);
  }
  SECTION("a packet from the VIP that answers no probe is the host's") {
    CHECK(n.lab.run(build(n.reply(41000))).verdict == XDP_PASS);
    CHECK(n.lab.reason(XVS_R_NOT_A_VIP) == 1);
  }
}

TEST_CASE("the peer reflects what is addressed to the NAT side and passes the rest") {
  Lab lab;
  FrameSpec probe = tcp("198.18.255.253", 40000, "198.18.0.1", 80, kSyn);
  probe.src = kNatHostMac;
  probe.dst = kNatPeerMac;
  Run r = lab.run_program("xvs_nat_reflect", build(probe));
  REQUIRE(r.verdict == XDP_TX);
  std::swap(probe.src, probe.dst);
  CHECK(hex(r.out) == hex(build(probe)));
  FrameSpec six = tcp("2001:2:0:ffff::1", 40000, "2001:2::1", 80, kSyn);
  CHECK(lab.run_program("xvs_nat_reflect", build(six)).verdict == XDP_TX);
  // Neighbour discovery and the like stay in the namespace's kernel.
  CHECK(lab.run_program("xvs_nat_reflect", build(echo("fe80::1", "ff02::1"))).verdict ==
        XDP_PASS);
}
