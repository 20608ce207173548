// SPDX-License-Identifier: Apache-2.0
// The data-plane fuzz campaign on the packet-test Lab: valid frames of every path, mutated,
// run through the real object; every frame is judged against tests/fuzz/oracle.hpp (the
// mutations and the judge: fuzz_campaign.hpp; its part on a real Client:
// test_fuzz_client.cpp). Hidden from the default run; ctest's "packet: fuzz campaign" runs
// both. XVS_FUZZ_FRAMES (default 100000; ctest: 800000) and XVS_FUZZ_SEED (default: a new
// one each run, printed) size and seed it; docs/reliability.md has the long campaign.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <optional>
#include <string>
#include <tuple>

#include "lab.hpp"
#include "dataplane/metrics.hpp"
#include "dataplane/nat_pairs.hpp"
#include "net/natns.hpp"
#include "fuzz_campaign.hpp"
#include "oracle.hpp"

using namespace xvs;
using namespace xvs::test;
using xvs::test::fuzz::ProbeMapping;
using xvs::test::fuzz::Judge;
using xvs::test::fuzz::Mutator;
using xvs::test::fuzz::Target;
using xvs::test::fuzz::View;
using xvs::test::fuzz::transport;

namespace {

// The lab's services: layer 2 on ports 80 (TCP) and 53 (UDP); port 81 a backend whose next
// hop is unresolved; ports 8001.. one tunnel type each, outer family either.
std::vector<Target> targets() {
  std::vector<Target> out;
  for (bool v6 : {false, true}) {
    const char* vip = v6 ? kVip6 : kVip4;
    out.push_back({service(vip, 80), backends(v6, 3)});
    out.push_back({service(vip, 53, Protocol::UDP), backends(v6, 2)});
    std::vector<Backend> unready = backends(v6, 1);
    unready[0].ready = false;
    out.push_back({service(vip, 81), unready});
    std::uint16_t port = 8001;
    for (TunnelType t : {TunnelType::IPIP, TunnelType::GRE, TunnelType::FOU, TunnelType::GUE})
      for (bool outer6 : {false, true}) {
        Backend b = tunnel_backend(t, outer6, 4);
        b.no_checksum = port % 3 == 0;
        out.push_back({service(vip, port, Protocol::TCP), {b}});
        out.push_back({service(vip, port++, Protocol::UDP), {b}});
      }
  }
  return out;
}

constexpr std::uint32_t kPairIfindex = 7;  // the health-check pair's host end (test runs only)

// Health-check pairs for backends 1 (untagged) and 2 (probes tagged with VLAN 101) of each
// VIP's port-80 service, and the replies that probes through "xvs_nat" set up: TCP to port 80
// and UDP to port 53, each from one host port to both backends, so that the second probe's
// port on the wire is a re-mapped one. Returns what each reply must become.
std::vector<ProbeMapping> probe_mappings(Lab& lab, detail::NatPairs& pairs,
                                         const std::vector<Target>& ts) {
  std::vector<ProbeMapping> out;
  for (bool v6 : {false, true}) {
    const Service web = service(v6 ? kVip6 : kVip4, 80);
    const auto t = std::find_if(ts.begin(), ts.end(), [&](const Target& x) {
      return x.svc.address == web.address && x.svc.port == 80;
    });
    const std::vector<Backend> bs(t->backends.begin(), t->backends.begin() + 2);
    pairs.set(web.address, {{bs[0].address, lab.nat_entry(web, bs[0].address)},
                            {bs[1].address, lab.nat_entry(web, bs[1].address, 101)}});
    for (auto [proto, port, host_port] : {std::tuple<std::uint8_t, std::uint16_t, std::uint16_t>{
                                              IPPROTO_TCP, 80, 40000},
                                          {IPPROTO_UDP, 53, 40100}})
      for (const Backend& b : bs) {
        FrameSpec probe = transport(proto, host_port, port);
        probe.saddr = detail::nat_host_address(v6);
        probe.daddr = pairs.address(web.address, b.address);
        const Run r = lab.run_program("xvs_nat", build(probe));
        REQUIRE(r.verdict == XDP_REDIRECT);
        const std::optional<fuzz::Packet> wire = fuzz::parse_valid(r.out);
        REQUIRE(wire);
        REQUIRE(wire->daddr == web.address);
        out.push_back({web.address, wire->saddr, probe.daddr, probe.saddr, port, wire->sport,
                       host_port, proto});
      }
    REQUIRE(out.end()[-4].wire_port == 40000);
    REQUIRE(out.end()[-3].wire_port != 40000);  // re-mapped
    REQUIRE(out.end()[-1].wire_port != 40100);
  }
  return out;
}
std::vector<FrameSpec> seeds(const std::vector<Target>& ts,
                             const std::vector<ProbeMapping>& probes) {
  std::vector<FrameSpec> out;
  for (bool v6 : {false, true}) {
    const char* client = v6 ? kClient6 : kClient4;
    const char* vip = v6 ? kVip6 : kVip4;
    for (const Target& t : ts) {
      if (t.svc.address != IPAddr::parse(vip)) continue;
      FrameSpec s = t.svc.protocol == Protocol::UDP ? udp(client, 40000, vip, t.svc.port)
                                                    : tcp(client, 40000, vip, t.svc.port);
      out.push_back(s);
    }
    FrameSpec syn = tcp(client, 41000, vip, 80, kSyn);
    syn.payload.assign(1460, 0x5a);  // too big for the tunnels once encapsulated
    out.push_back(syn);
    syn.dport = 8001;
    out.push_back(syn);
    out.push_back(echo(client, vip));
    FrameSpec quoting = echo(client, vip);  // an error quoting garbage
    quoting.icmp_type = v6 ? 1 : 3;
    quoting.payload.assign(60, 0xa5);
    out.push_back(quoting);
    // Too-big errors about flows of every service (and of none), quoting as a router does.
    for (const Target& t : ts) {
      if (t.svc.address != IPAddr::parse(vip)) continue;
      FrameSpec sent = t.svc.protocol == Protocol::UDP ? udp(vip, t.svc.port, client, 40000)
                                                       : tcp(vip, t.svc.port, client, 40000);
      sent.payload.assign(1400, 0x3c);
      out.push_back(too_big(v6 ? "2001:db8:f::1" : "203.0.113.1", sent, v6 ? 1300 : 1200,
                            t.svc.port % 2 ? 48 : 576));
    }
    out.push_back(too_big(client, tcp(vip, 82, client, 40000), 1280));
    FrameSpec full = tcp(vip, 8001, client, 40000);  // quoted whole: too big for the tunnel
    full.payload.assign(1420, 0x3c);
    out.push_back(too_big(client, full, 1500));
    out.push_back(tcp(client, 0, vip, 80));
    out.push_back(udp(client, 65535, vip, 0));
    FrameSpec ttl = tcp(client, 40001, vip, 80);
    ttl.ttl = 1;
    out.push_back(ttl);
    ttl.ttl = 2;
    out.push_back(ttl);
    out.push_back(tcp(client, 40000, v6 ? "2001:db8::99" : "192.0.2.99", 80));  // not a VIP
    out.push_back(tcp(client, 40000, vip, 82));                                 // no service
    FrameSpec odd = udp(client, 40000, vip, 53);
    if (v6) {
      odd.ip6_ext = 0;  // hop-by-hop
      out.push_back(odd);
      odd.ip6_ext = 44;  // fragment
    } else {
      odd.ip_options = {1, 1, 1, 1, 0x94, 4, 0, 0};  // NOPs, router alert
      out.push_back(odd);
      odd.frag = 0x2000;  // MF
      out.push_back(odd);
      odd.frag = 0x0010;
      odd.l4_checksum = false;
    }
    out.push_back(odd);
  }
  fuzz::reply_seeds(probes, out);
  for (std::size_t i = 0, n = out.size(); i < n; ++i) {  // each again with an 802.1Q tag
    FrameSpec s = out[i];
    s.vlan_tci = static_cast<std::uint16_t>(0x6000 | (i + 1));
    out.push_back(s);
  }
  FrameSpec arp = tcp(kClient4, 1, kVip4, 80);
  arp.ethertype = 0x0806;
  out.push_back(arp);
  return out;
}
}  // namespace

TEST_CASE("fuzz campaign: hostile frames are never forwarded, forwarded ones well formed",
          "[.][fuzz]") {
  const std::uint64_t frames = fuzz::env_or("XVS_FUZZ_FRAMES", 100000);
  const std::uint64_t seed = fuzz::campaign_seed("lab", frames);

  Lab lab(1024);
  lab.nat_ifindex = kPairIfindex;
  lab.heartbeat();
  const std::vector<Target> ts = targets();
  for (const Target& t : ts) lab.set_service(t.svc, t.backends);
  detail::NatPairs pairs{lab.dp};
  const std::vector<ProbeMapping> probes = probe_mappings(lab, pairs, ts);
  const std::vector<FrameSpec> specs = seeds(ts, probes);
  const Judge judge{ts, [&](const fuzz::Packet& p) -> std::optional<ProbeMapping> {
                      const auto m =
                          std::find_if(probes.begin(), probes.end(),
                                       [&](const ProbeMapping& x) { return fuzz::answers(p, x); });
                      return m == probes.end() ? std::nullopt : std::optional(*m);
                    }};
  Mutator m(seed);

  const auto start = std::chrono::steady_clock::now();
  xvs_reasons before = lab.dp.reasons();
  std::uint64_t ran = 0, refused = 0, valid_seen = 0, delivered = 0;
  for (std::uint64_t i = 0; i < frames; ++i) {
    // A long campaign outlasts the watchdog period: refresh as the control plane would.
    if (i % 4096 == 0) lab.heartbeat();
    const FrameSpec& s = specs[m.below(specs.size())];
    Bytes in = build(s);
    if (m.below(10)) m.mutate(in, s);
    if (fuzz::parse_valid(in)) ++valid_seen;
    if (in.size() < 14) {
      ++refused;
      continue;
    }
    const Run r = lab.run(in);
    ++ran;
    const xvs_reasons after = lab.dp.reasons();
    std::uint32_t moved = 0;
    const std::uint32_t reason = fuzz::moved_reason(before, after, moved);
    before = after;
    INFO("seed " << seed << " frame " << i << "\nin:\n" << hex(in) << "\nout:\n" << hex(r.out));
    REQUIRE(moved == 1);
    const std::string verdict = judge.judge(in, r, reason);
    INFO(verdict);
    REQUIRE(verdict.empty());
    if (reason == XVS_R_FORWARDED) {  // judged above: an ICMP forwarded is a too-big error
      const std::optional<fuzz::Packet> p = fuzz::parse_valid(in);
      if (p && p->proto == (p->v6 ? int{IPPROTO_ICMPV6} : int{IPPROTO_ICMP})) ++delivered;
    }
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(lab.reasons_total() == ran);
  std::printf("fuzz: %llu frames run in %.1f s (%llu refused < 14 bytes), %llu well formed\n",
              static_cast<unsigned long long>(ran), secs, static_cast<unsigned long long>(refused),
              static_cast<unsigned long long>(valid_seen));
  std::printf("fuzz: %llu too-big errors delivered to a backend\n",
              static_cast<unsigned long long>(delivered));
  for (std::uint32_t k = 0; k < XVS_REASONS; ++k)
    if (lab.reason(k))
      std::printf("fuzz:   %-20s %llu\n", detail::reason_name(k),
                  static_cast<unsigned long long>(lab.reason(k)));
}
