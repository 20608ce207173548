// SPDX-License-Identifier: Apache-2.0
#include "table.hpp"

#include <map>

#include <fmt/format.h>

namespace xvs::bench {

namespace {

constexpr const char* kVip4 = "192.0.2.1";
constexpr const char* kVip6 = "2001:db8::1";
constexpr const char* kOther4 = "192.0.2.99";  // not a VIP
constexpr const char* kOther6 = "2001:db8::99";
// Clients from the benchmarking ranges (RFC 2544, RFC 5180). The last 16 bits are zero:
// varied frames put (flow number / 2^16) + 1 there (bench.bpf.c), so a varied flow never
// equals an unvaried one.
constexpr const char* kClient4 = "198.18.0.0";
constexpr const char* kClient6 = "2001:2::";
constexpr std::uint16_t kFouPort = 5555, kGuePort = 6080;
constexpr std::size_t kLargeFrame = 512;
constexpr std::uint64_t kManyFlows = 65536;

Service service_of(const char* vip, std::uint16_t port, Protocol proto = Protocol::TCP) {
  return Service{IPAddr::parse(vip), port, proto, false};
}

FrameSpec frame_to(const Service& s, std::uint8_t tcp_flags = kAck, std::size_t payload = 0) {
  FrameSpec f;
  f.saddr = IPAddr::parse(s.address.is4() ? kClient4 : kClient6);
  f.daddr = s.address;
  f.proto = static_cast<std::uint8_t>(s.protocol);
  f.dport = s.port;
  f.tcp_flags = s.protocol == Protocol::TCP ? tcp_flags : 0;
  f.payload = Bytes(payload);
  return f;
}

const char* tunnel_name(TunnelType t) {
  switch (t) {
    case TunnelType::IPIP: return "ipip";
    case TunnelType::GRE: return "gre";
    case TunnelType::FOU: return "fou";
    case TunnelType::GUE: return "gue";
    case TunnelType::None: break;
  }
  return "l2";
}

// Targets (issue 6; docs/performance.md, "Targets").
constexpr Target kEstablished{50, 2}, kNewFlow{120, 4}, kForward{100, 4}, kNotVip{20, 0};

Pool l2(const char* vip, std::uint16_t port, int n, Protocol proto = Protocol::TCP) {
  Pool p;
  p.service = service_of(vip, port, proto);
  p.backends = n;
  p.v6 = IPAddr::parse(vip).is6();
  return p;
}

}  // namespace

std::vector<Path> path_table() {
  std::vector<Path> out;
  auto add = [&](std::string name, std::string what, std::optional<Pool> pool, FrameSpec f,
                 Target target = {}) {
    Path p;
    p.name = std::move(name);
    p.description = std::move(what);
    p.pool = std::move(pool);
    p.frame = f;
    p.target = target;
    out.push_back(p);
    return &out.back();
  };

  const std::map<int, std::uint16_t> port_of{{1, 80}, {16, 81}, {255, 82}};
  for (auto [n, port] : port_of) {
    Pool p = l2(kVip4, port, n);
    add(fmt::format("l2/tcp-syn/b{}", n), "TCP SYN: new flow, Maglev choice", p,
        frame_to(p.service, kSyn), kNewFlow);
    add(fmt::format("l2/tcp-est/b{}", n), "TCP established: flow-table hit", p,
        frame_to(p.service), kEstablished);
  }
  Pool b16 = l2(kVip4, 81, 16);
  Path* p = add("l2/tcp-est-many/b16", "TCP established, {} flows in turn: hits", b16,
                frame_to(b16.service), kEstablished);
  p->vary = true;
  p->span = kManyFlows;
  Pool udp = l2(kVip4, 53, 16, Protocol::UDP);
  add("l2/udp-est/b16", "UDP, known flow: flow-table hit", udp, frame_to(udp.service, 0, 32),
      kEstablished);
  Pool v6 = l2(kVip6, 80, 16);
  add("l2v6/tcp-syn/b16", "IPv6 TCP SYN: new flow, Maglev choice", v6, frame_to(v6.service, kSyn),
      kNewFlow);
  add("l2v6/tcp-est/b16", "IPv6 TCP established: flow-table hit", v6, frame_to(v6.service),
      kEstablished);

  p = add("pass/not-a-vip4", "IPv4 not to a VIP: passed to the host", std::nullopt,
                frame_to(service_of(kOther4, 80)), kNotVip);
  p->expect = Expect::pass;
  p->reason = "not_a_vip";
  p = add("pass/not-a-vip6", "IPv6 not to a VIP: passed to the host", std::nullopt,
          frame_to(service_of(kOther6, 80)), kNotVip);
  p->expect = Expect::pass;
  p->reason = "not_a_vip";
  // The VIP needs a service (on another port) to be a VIP at all.
  p = add("drop/no-service", "to a VIP port without service: dropped", l2(kVip4, 80, 1),
          frame_to(service_of(kVip4, 9)));
  p->expect = Expect::drop;
  p->reason = "err_no_service";

  // Tunnels: inner and outer of one family (4in4, 6in6), established flows, 16 backends.
  std::uint16_t port = 1000;
  for (TunnelType t : {TunnelType::IPIP, TunnelType::GRE, TunnelType::FOU, TunnelType::GUE})
    for (bool six : {false, true}) {
      Pool pool = l2(six ? kVip6 : kVip4, port++, 16);
      pool.tunnel = t;
      pool.tunnel_port = t == TunnelType::FOU ? kFouPort : t == TunnelType::GUE ? kGuePort : 0;
      const char* fam = six ? "6in6" : "4in4";
      add(fmt::format("tun/{}-{}/tcp-est", tunnel_name(t), fam),
          fmt::format("{} {} (IPv{} outer), TCP established", tunnel_name(t), fam, six ? 6 : 4),
          pool, frame_to(pool.service), kForward);
      if (t == TunnelType::GUE && !six) {
        add("tun/gue-4in4/tcp-est-512", "gue 4in4, TCP established, 512-byte frame", pool,
            frame_to(pool.service, kAck, kLargeFrame - 54), kForward);
        pool.service.port = port++;
        pool.no_checksum = true;
        add("tun/gue-4in4-nocsum/tcp-est", "gue 4in4 without outer UDP checksum, TCP est.", pool,
            frame_to(pool.service), kForward);
      }
    }

  p = add("full/tcp-est/b16", "full flow table: TCP established, hit", b16,
          frame_to(b16.service), kEstablished);
  p->full_table = true;
  p = add("full/tcp-syn/b16", "full flow table: TCP SYN, Maglev", b16,
          frame_to(b16.service, kSyn), kNewFlow);
  p->full_table = true;
  p = add("full/tcp-new/b16", "full flow table: new TCP flow each (insert, evict)", b16,
          frame_to(b16.service), kNewFlow);
  p->full_table = p->vary = true;
  p = add("full/udp-new/b16", "full flow table: new UDP flow each (insert, evict)", udp,
          frame_to(udp.service, 0, 32), kNewFlow);
  p->full_table = p->vary = true;
  return out;
}

std::vector<Path> sweep_table(std::uint64_t hit_flows) {
  Pool b16 = l2(kVip4, 81, 16);
  Path est;
  est.name = "tcp-est";
  est.description = "TCP established, {} flows in turn: hits";
  est.pool = b16;
  est.frame = frame_to(b16.service);
  est.vary = true;
  est.span = hit_flows;
  est.target = kEstablished;
  Path fresh = est;
  fresh.span = 0;
  fresh.name = "tcp-new";
  fresh.description = "new TCP flow each into the full table (insert, evict)";
  fresh.target = kNewFlow;
  return {est, fresh};
}

FrameSpec reference_frame() { return frame_to(service_of(kVip4, 81)); }

}  // namespace xvs::bench
