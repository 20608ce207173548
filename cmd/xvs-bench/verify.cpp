// SPDX-License-Identifier: Apache-2.0
#include "verify.hpp"

#include <linux/bpf.h>

#include <algorithm>

#include <fmt/format.h>

#include "fixture.hpp"

namespace xvs::bench {

namespace {

std::uint16_t get16(const Bytes& b, std::size_t at) {
  return static_cast<std::uint16_t>(b[at] << 8 | b[at + 1]);
}

MAC mac_at(const Bytes& b, std::size_t at) {
  MAC m{};
  std::copy_n(b.begin() + static_cast<long>(at), m.size(), m.begin());
  return m;
}

std::uint8_t tunnel_protocol(TunnelType t, bool inner6) {
  switch (t) {
    case TunnelType::IPIP: return inner6 ? IPPROTO_IPV6 : IPPROTO_IPIP;
    case TunnelType::GRE: return IPPROTO_GRE;
    case TunnelType::FOU:
    case TunnelType::GUE: return IPPROTO_UDP;
    case TunnelType::None: break;
  }
  return 0;
}

// Sent to one of the pool's backends from our MAC; layer 2: the same frame with TTL - 1 and
// a valid IPv4 header checksum; tunnels: an outer header of the backends' family, of the
// tunnel's protocol, addressed to the backend whose MAC it carries.
std::string check_forwarded(const Path& p, const Bytes& in, const Bytes& out, const MAC& ours) {
  const Pool& pool = *p.pool;
  const std::size_t l3 = test::l3_offset(p.frame);
  if (out.size() < l3 + 40) return fmt::format("output frame of {} bytes", out.size());
  if (mac_at(out, 6) != ours) return "source MAC is not the balancer's";
  const int backend = backend_of(mac_at(out, 0), pool.v6, pool.backends);
  if (!backend)
    return fmt::format("destination MAC {} is no backend's", to_string(mac_at(out, 0)));
  const bool inner6 = p.frame.daddr.is6();
  if (pool.tunnel == TunnelType::None) {
    if (out.size() != in.size()) return "layer-2 forwarding changed the frame's length";
    if (get16(out, 12) != get16(in, 12)) return "EtherType changed";
    const std::size_t ttl = l3 + (inner6 ? 7 : 8);
    if (out[ttl] != in[ttl] - 1) return "TTL / hop limit not decremented by one";
    if (!inner6 && test::checksum(std::span(out).subspan(l3, 20)) != 0) return "IPv4 header checksum is wrong";
    return "";
  }
  if (get16(out, 12) != (pool.v6 ? 0x86dd : 0x0800))
    return "outer EtherType is not the backend's family";
  const auto want = backend_address(pool.v6, backend).bytes();
  const auto daddr = out.begin() + static_cast<long>(l3 + (pool.v6 ? 24 : 16));
  if (!std::equal(want.begin(), want.begin() + (pool.v6 ? 16 : 4), daddr))
    return "outer destination is not the backend the MAC belongs to";
  const std::uint8_t proto = out[l3 + (pool.v6 ? 6 : 9)];
  const std::uint8_t want_proto = tunnel_protocol(pool.tunnel, inner6);
  if (proto != want_proto) return fmt::format("outer protocol {} instead of {}", proto, want_proto);
  if (want_proto == IPPROTO_UDP && get16(out, l3 + (pool.v6 ? 40 : 20) + 2) != pool.tunnel_port)
    return "outer UDP destination port is not the tunnel port";
  return "";
}

}  // namespace

const char* verdict_name(int verdict) {
  switch (verdict) {
    case XDP_ABORTED: return "XDP_ABORTED";
    case XDP_DROP: return "XDP_DROP";
    case XDP_PASS: return "XDP_PASS";
    case XDP_TX: return "XDP_TX";
    case XDP_REDIRECT: return "XDP_REDIRECT";
  }
  return "unknown verdict";
}

int verdict_of(Expect e) {
  switch (e) {
    case Expect::forward: return XDP_TX;
    case Expect::pass: return XDP_PASS;
    case Expect::drop: return XDP_DROP;
  }
  return -1;
}

std::string check_run(const Path& p, const Bytes& in, const Run& r, const MAC& ours) {
  if (r.verdict != verdict_of(p.expect))
    return fmt::format("verdict {} instead of {}", verdict_name(r.verdict),
                       verdict_name(verdict_of(p.expect)));
  if (p.expect == Expect::forward) return check_forwarded(p, in, r.out, ours);
  if (p.expect == Expect::pass && r.out != in) return "a passed frame was changed";
  return "";
}

}  // namespace xvs::bench
