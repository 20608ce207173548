// SPDX-License-Identifier: Apache-2.0
// Path-MTU discovery through DSR: ICMP "fragmentation needed" / ICMPv6 "packet too big" sent
// to a VIP, quoting a backend's packet, goes to the destination serving the quoted flow (flow
// table, shared flows, else Maglev, creating nothing), whole, by layer 2 or that destination's
// tunnel; what is malformed or unrelated is dropped under its own reason. Expected frames are
// built independently (frame.cpp, tunnel_frames.cpp).
#include <catch2/catch.hpp>

#include <bpf/bpf.h>

#include <set>

#include "dataplane/flow_maps.hpp"
#include "dataplane/clock.hpp"
#include "lab.hpp"

using namespace xvs;
using namespace xvs::test;

namespace {

const char* router(bool v6) { return v6 ? "2001:db8:f::1" : "203.0.113.1"; }

// A packet of the flow as the balancer sees it (client -> VIP:port).
FrameSpec flow(bool v6, Protocol proto, std::uint16_t client_port, std::uint16_t port = 80) {
  const char* c = v6 ? kClient6 : kClient4;
  const char* vip = v6 ? kVip6 : kVip4;
  return proto == Protocol::UDP ? udp(c, client_port, vip, port) : tcp(c, client_port, vip, port);
}

// What the backend sent in that flow (VIP:port -> client), a full-sized segment.
FrameSpec reply_of(const FrameSpec& f) {
  FrameSpec r = f;
  std::swap(r.saddr, r.daddr);
  std::swap(r.sport, r.dport);
  r.payload.assign(1400, 0);
  for (std::size_t i = 0; i < r.payload.size(); ++i)
    r.payload[i] = static_cast<std::uint8_t>(i * 13 + 5);
  return r;
}

// The error a router sends about the backend's packet of flow `f`, quoting as much as
// RFC 1812 (IPv4: 576-byte datagram) and RFC 4443 (IPv6: 1280) allow.
FrameSpec error_for(const FrameSpec& f, std::uint32_t mtu = 0) {
  const bool v6 = f.daddr.is6();
  return too_big(router(v6), reply_of(f), mtu ? mtu : v6 ? 1300 : 1200,
                 v6 ? 1280 - 48 : 576 - 28);
}

int forward(Lab& lab, const FrameSpec& s) {
  Run r = lab.run(build(s));
  REQUIRE(r.verdict == XDP_TX);
  return backend_of(r);
}

// Where Maglev puts TCP flow `f` (a SYN creates no flow entry: the lab is left as it was).
int maglev_choice(Lab& lab, FrameSpec f) {
  f.tcp_flags = kSyn;
  return forward(lab, f);
}

// Runs the error, expects it forwarded (layer 2) to backend `b`, byte for byte, under
// "forwarded" and nothing else.
void expect_delivered(Lab& lab, const FrameSpec& error, const Backend& b) {
  const std::uint64_t forwarded = lab.reason(XVS_R_FORWARDED), total = lab.reasons_total();
  Run r = lab.run(build(error));
  REQUIRE(r.verdict == XDP_TX);
  CHECK(hex(r.out) == hex(build(as_forwarded(error, b))));
  CHECK(lab.reason(XVS_R_FORWARDED) == forwarded + 1);
  CHECK(lab.reasons_total() == total + 1);
}

std::uint32_t ip_len(const FrameSpec& s) {
  return static_cast<std::uint32_t>(build(s).size() - l3_offset(s));
}

}  // namespace

TEST_CASE("a too-big error follows its flow's entry, not Maglev, and touches no flow") {
  const bool v6 = GENERATE(false, true);
  const Protocol proto = GENERATE(Protocol::TCP, Protocol::UDP);
  const bool tagged = GENERATE(false, true);
  CAPTURE(v6, to_string(proto), tagged);
  Lab lab;
  const Service s = service(v6 ? kVip6 : kVip4, 80, proto);
  auto bs = backends(v6, 4);
  lab.set_service(s, bs);
  FrameSpec data = flow(v6, proto, 40000);
  const int n = forward(lab, data);  // creates the flow entry
  REQUIRE(lab.flow(data).has_value());
  // Last seen long ago: the next packet of the flow would refresh the entry.
  const xvs_flow_key key = Lab::flow_key(data);
  xvs_flow aged = *lab.flow(data);
  aged.seen_ns -= 5000000000ull;
  lab.flows.put(key, aged);

  // Backend n takes no new flows: Maglev now places this flow elsewhere, as a lab without
  // the entry shows.
  bs[n - 1].in_table = false;
  lab.set_service(s, bs);
  Lab other;
  other.set_service(s, bs);
  CHECK(forward(other, data) != n);

  FrameSpec err = error_for(data);
  if (tagged) err.vlan_tci = 0x2000 | 7;
  expect_delivered(lab, err, bs[n - 1]);
  CHECK(lab.flow_count() == 1);
  CHECK(lab.flow(data)->seen_ns == aged.seen_ns);  // an error is no sign of the flow's life
  CHECK(forward(lab, data) == n);
  CHECK(lab.flow(data)->seen_ns > aged.seen_ns);  // its own packet is

  // Counted like a forwarded packet of the destination and service, not as a new flow.
  const xvs_counters d = lab.dp.counters(XVS_COUNTERS_DEST(lab.dest_index(s, bs[n - 1].address)));
  CHECK(d.packets == 3);
  CHECK(d.octets == 2 * ip_len(data) + ip_len(err));
  CHECK(d.flows == 1);
  CHECK(d.errors == 0);
  const xvs_counters sv = lab.dp.counters(XVS_COUNTERS_SERVICE(lab.service_slot(s)));
  CHECK(sv.packets == 3);
  CHECK(sv.flows == 1);
}

TEST_CASE("a too-big error follows a flow entry re-bound to its backend by address") {
  const bool v6 = GENERATE(false, true);
  CAPTURE(v6);
  Lab lab;
  detail::FlowMaps maps{lab.dp};
  const Service s = service(v6 ? kVip6 : kVip4, 80);
  auto bs = backends(v6, 3);
  auto more = backends(v6, 9);
  // A flow that Maglev places elsewhere once six backends are added.
  FrameSpec data;
  int n = 0, moved_to = 0;
  for (std::uint16_t port = 42000; port < 42100 && n == moved_to; ++port) {
    data = flow(v6, Protocol::TCP, port);
    lab.set_service(s, bs);
    n = maglev_choice(lab, data);
    lab.set_service(s, more);
    moved_to = maglev_choice(lab, data);
  }
  REQUIRE(n != moved_to);
  lab.set_service(s, bs);
  REQUIRE(forward(lab, data) == n);
  // As after a restart with a kept flow table: the entry names another process's slot.
  const xvs_flow_key key = Lab::flow_key(data);
  xvs_flow old = *lab.flow(data);
  old.dest = 777;
  old.generation = 4242;
  lab.flows.put(key, old);
  lab.set_service(s, more);
  const std::uint16_t index = lab.dest_index(s, more[n - 1].address);
  xvs_dest d{};
  const std::uint32_t k = index;
  REQUIRE(bpf_map_lookup_elem(lab.dp.map_fd("destinations"), &k, &d) == 0);
  maps.bind_backend(s, more[n - 1].address, index, d.generation);

  expect_delivered(lab, error_for(data), more[n - 1]);
  CHECK(lab.flow(data)->dest == index);
  CHECK(maps.counters().rebound == 1);
}

TEST_CASE("without a flow entry a too-big error goes where Maglev puts the flow") {
  const bool v6 = GENERATE(false, true);
  const bool sticky = GENERATE(false, true);
  CAPTURE(v6, sticky);
  Lab lab;
  const Service s = service(v6 ? kVip6 : kVip4, 80, Protocol::TCP, sticky);
  const auto bs = backends(v6, 4);
  lab.set_service(s, bs);
  std::set<int> chosen;
  for (std::uint16_t port = 40000; port < 40016; ++port) {
    const FrameSpec data = flow(v6, Protocol::TCP, port);
    const int n = maglev_choice(lab, data);
    chosen.insert(n);
    expect_delivered(lab, error_for(data), bs[n - 1]);
  }
  CHECK(lab.flow_count() == 0);  // neither the SYNs nor the errors created one
  // Sticky: the addresses only, so every port lands on one backend.
  CHECK((chosen.size() == 1) == sticky);
  const xvs_counters sv = lab.dp.counters(XVS_COUNTERS_SERVICE(lab.service_slot(s)));
  CHECK(sv.packets == 32);
  CHECK(sv.flows == 0);
  CHECK(sv.errors == 0);
  CHECK(lab.reason(XVS_R_FORWARDED) == 32);
  CHECK(lab.reasons_total() == 32);
}

TEST_CASE("a too-big error follows a peer's flow without promoting it") {
  const bool v6 = GENERATE(false, true);
  Lab lab;
  detail::FlowMaps maps{lab.dp};
  const Service s = service(v6 ? kVip6 : kVip4, 80);
  const auto bs = backends(v6, 3);
  lab.set_service(s, bs);
  lab.heartbeat(0, XVS_SETTINGS_SHARED_FLOWS);
  const FrameSpec data = flow(v6, Protocol::TCP, 43000);
  const int n = maglev_choice(lab, data);
  const int peer = n % 3 + 1;  // the peer placed the flow on another backend
  const std::uint16_t index = lab.dest_index(s, bs[peer - 1].address);
  xvs_dest d{};
  const std::uint32_t k = index;
  REQUIRE(bpf_map_lookup_elem(lab.dp.map_fd("destinations"), &k, &d) == 0);
  maps.set_shared(Lab::flow_key(data), bs[peer - 1].address, index, d.generation,
                  detail::monotonic_ns());
  expect_delivered(lab, error_for(data), bs[peer - 1]);
  CHECK(lab.flow_count() == 0);
}

TEST_CASE("a too-big error reaches a tunnel destination encapsulated like its flow") {
  const TunnelType type =
      GENERATE(TunnelType::IPIP, TunnelType::GRE, TunnelType::FOU, TunnelType::GUE);
  const bool inner6 = GENERATE(false, true);
  const bool outer6 = GENERATE(false, true);
  const bool checksum = GENERATE(true, false);
  if (!checksum && (type == TunnelType::IPIP || type == TunnelType::GRE)) return;
  const bool tagged = GENERATE(false, true);
  CAPTURE(to_string(type), inner6, outer6, checksum, tagged);
  Lab lab;
  Backend b = tunnel_backend(type, outer6);
  b.no_checksum = !checksum;
  const Service s = service(inner6 ? kVip6 : kVip4, 80);
  lab.set_service(s, {b});
  const FrameSpec data = flow(inner6, Protocol::TCP, 40000);
  FrameSpec err = error_for(data);
  if (tagged) err.vlan_tci = 0x6000 | 9;

  Run r = lab.run(build(err));
  REQUIRE(r.verdict == XDP_TX);
  // The outer headers of the flow's own packets (the same UDP source port and flow label, so
  // the backend's RSS puts the error where the flow is), around the error itself.
  Outer o = tunnel_outer(data, b);
  CHECK(hex(r.out) == hex(encapsulate(as_forwarded(err, b), o)));
  CHECK(lab.reason(XVS_R_FORWARDED) == 1);
  CHECK(lab.flow_count() == 0);
}

TEST_CASE("a too-big error that would not fit its destination's tunnel is dropped, not answered") {
  const bool v6 = GENERATE(false, true);
  CAPTURE(v6);
  Lab lab;
  Backend b = tunnel_backend(TunnelType::GUE, v6);
  const FrameSpec data = flow(v6, Protocol::TCP, 40000);
  const FrameSpec err = error_for(data);
  const std::uint32_t fits = ip_len(err) + (v6 ? 52 : 32);  // outer IP + UDP + GUE
  const Service s = service(v6 ? kVip6 : kVip4, 80);

  b.mtu = fits;  // exactly the MTU: sent
  lab.set_service(s, {b});
  Run r = lab.run(build(err));
  CHECK(r.verdict == XDP_TX);
  CHECK(lab.reason(XVS_R_FORWARDED) == 1);

  b.mtu = fits - 1;
  lab.set_service(s, {b});
  r = lab.run(build(err));
  CHECK(r.verdict == XDP_DROP);
  CHECK(lab.reason(XVS_R_ERR_ICMP_MTU) == 1);
  CHECK(lab.reason(XVS_R_TOO_BIG) == 0);
  const xvs_counters d = lab.dp.counters(XVS_COUNTERS_DEST(lab.dest_index(s, b.address)));
  CHECK(d.packets == 2);
  CHECK(d.errors == 1);
  CHECK(lab.reasons_total() == 2);
}

namespace {

struct Bad {
  const char* what;
  std::uint32_t reason;
};

// Offsets in a quote (the quoted IP packet).
constexpr std::size_t kV4Len = 2, kV4Frag = 6, kV4Proto = 9, kV4Src = 12;
constexpr std::size_t kV6Len = 4, kV6Next = 6, kV6Src = 8;

// The error for a TCP flow to port 80, spoiled as `what` says (none of this family: an
// empty spec); the lab serves TCP port 80 and port 81 (without backend) on both VIPs.
FrameSpec spoiled(bool v6, const std::string& what) {
  FrameSpec data = flow(v6, Protocol::TCP, 40000);
  FrameSpec err = error_for(data);
  Bytes& q = err.payload;
  const std::size_t ports = v6 ? 40 : 20;
  if (what == "other type") {
    err.icmp_type = v6 ? 1 : 11;  // destination unreachable / time exceeded
  } else if (what == "other code") {
    err.icmp_type = v6 ? 4 : 3;  // parameter problem / port unreachable
    err.icmp_code = v6 ? 0 : 3;
  } else if (what == "no quote") {
    q.clear();
  } else if (what == "quote without ports") {
    q.resize(ports);
  } else if (what == "quote with 7 bytes of ports") {
    q.resize(ports + 7);
  } else if (what == "quote in the padding") {
    q.resize(ports);
    err.pad_to = 200;  // the ports would be there, but beyond the IP length
  } else if (what == "quoted version") {
    q[0] = v6 ? 0x45 : 0x65;
  } else if (what == "quoted IHL 4") {
    if (v6) return {};
    q[0] = 0x44;
  } else if (what == "quoted IHL beyond the quote") {
    if (v6) return {};
    q[0] = 0x4f;  // 60 bytes of header, 64 quoted: no room for the ports
    q.resize(64);
  } else if (what == "quoted length short") {
    set16(q, v6 ? kV6Len : kV4Len, v6 ? 7 : 27);
  } else if (what == "quoted fragment") {
    if (v6) return {};
    set16(q, kV4Frag, 0x2000 | 185);  // MF, offset 1480
  } else if (what == "quoted source not the VIP") {
    q[(v6 ? kV6Src : kV4Src) + (v6 ? 15 : 3)] ^= 1;
  } else if (what == "quoted ICMP") {
    q[v6 ? kV6Next : kV4Proto] = v6 ? std::uint8_t{IPPROTO_ICMPV6} : std::uint8_t{IPPROTO_ICMP};
  } else if (what == "quoted extension header") {
    if (!v6) return {};
    q[kV6Next] = 0;  // hop-by-hop: not walked
  } else if (what == "no service") {
    set16(q, ports, 8080);
  } else if (what == "other protocol") {
    q[v6 ? kV6Next : kV4Proto] = IPPROTO_UDP;
  } else if (what == "no backend") {
    set16(q, ports, 81);
  } else if (what == "TTL 1") {
    err.ttl = 1;
  }
  return err;
}

}  // namespace

TEST_CASE("malformed and unrelated ICMP to a VIP is dropped under its own reason") {
  const bool v6 = GENERATE(false, true);
  const Bad bad = GENERATE(values<Bad>({
      {"other type", XVS_R_ERR_ICMP},
      {"other code", XVS_R_ERR_ICMP},
      {"no quote", XVS_R_ERR_ICMP_TRUNCATED},
      {"quote without ports", XVS_R_ERR_ICMP_TRUNCATED},
      {"quote with 7 bytes of ports", XVS_R_ERR_ICMP_TRUNCATED},
      {"quote in the padding", XVS_R_ERR_ICMP_TRUNCATED},
      {"quoted version", XVS_R_ERR_ICMP_QUOTE},
      {"quoted IHL 4", XVS_R_ERR_ICMP_QUOTE},
      {"quoted IHL beyond the quote", XVS_R_ERR_ICMP_TRUNCATED},
      {"quoted length short", XVS_R_ERR_ICMP_QUOTE},
      {"quoted fragment", XVS_R_ERR_ICMP_QUOTE},
      {"quoted source not the VIP", XVS_R_ERR_ICMP_SOURCE},
      {"quoted ICMP", XVS_R_ERR_ICMP_PROTOCOL},
      {"quoted extension header", XVS_R_ERR_ICMP_PROTOCOL},
      {"no service", XVS_R_ERR_ICMP_NO_SERVICE},
      {"other protocol", XVS_R_ERR_ICMP_NO_SERVICE},
      {"no backend", XVS_R_ERR_NO_BACKEND},
      {"TTL 1", XVS_R_ERR_TTL},
  }));
  CAPTURE(v6, bad.what);
  const FrameSpec err = spoiled(v6, bad.what);
  if (!err.saddr.valid()) return;  // not a case of this family
  Lab lab;
  const char* vip = v6 ? kVip6 : kVip4;
  lab.set_service(service(vip, 80), backends(v6, 2));
  lab.set_service(service(vip, 81), {});

  Run r = lab.run(build(err));
  CHECK(r.verdict == XDP_DROP);
  CHECK(lab.reason(bad.reason) == 1);
  CHECK(lab.reasons_total() == 1);
  CHECK(lab.flow_count() == 0);
  const xvs_counters g = lab.dp.counters(XVS_COUNTERS_GLOBAL);
  CHECK(g.packets == 1);
  CHECK(g.errors == 1);
}
