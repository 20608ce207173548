// SPDX-License-Identifier: Apache-2.0
#include "oracle.hpp"

#include <netinet/in.h>

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "frame.hpp"

namespace xvs::test::fuzz {

namespace {

std::uint16_t get16(View b, std::size_t at) {
  return static_cast<std::uint16_t>(b[at] << 8 | b[at + 1]);
}

IPAddr addr_at(View b, std::size_t at, bool v6) {
  if (!v6) return IPAddr::v4({b[at], b[at + 1], b[at + 2], b[at + 3]});
  std::array<std::uint8_t, 16> a{};
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = b[at + i];
  return IPAddr::v6(a);
}

// Fills the transport part of `p` from the IP payload [p.l4, end); false if it is short.
bool parse_l4(View f, Packet& p, std::size_t end) {
  const int icmp_proto = p.v6 ? int{IPPROTO_ICMPV6} : int{IPPROTO_ICMP};
  const bool icmp = p.proto == icmp_proto;
  if (icmp) {
    if (p.l4 + 8 > end) return false;
    p.icmp_type = f[p.l4];
    return true;
  }
  if (p.proto == IPPROTO_UDP) {
    // RFC 768: the length covers header and data, so 8 up to the IP payload (a shorter one
    // leaves trailing bytes the receiver trims; a longer one claims bytes that are not there).
    if (p.l4 + 8 > end) return false;
    const std::size_t length = get16(f, p.l4 + 4);
    if (length < 8 || p.l4 + length > end) return false;
  } else if (p.proto == IPPROTO_TCP) {
    if (p.l4 + 20 > end) return false;
    const std::size_t doff = f[p.l4 + 12] >> 4;
    if (doff < 5 || p.l4 + doff * 4 > end) return false;
  } else {
    return false;
  }
  p.sport = get16(f, p.l4);
  p.dport = get16(f, p.l4 + 2);
  return true;
}

}  // namespace

std::optional<Packet> parse_valid(View f) {
  if (f.size() < 14) return std::nullopt;
  Packet p;
  std::uint16_t type = get16(f, 12);
  p.l3 = 14;
  if (type == 0x8100) {
    if (f.size() < 18) return std::nullopt;
    p.tagged = true;
    type = get16(f, 16);
    p.l3 = 18;
  }
  const std::size_t l3 = p.l3;
  if (type == 0x0800) {
    if (f.size() < l3 + 20 || f[l3] >> 4 != 4) return std::nullopt;
    const std::size_t ihl = (f[l3] & 0xfu) * 4u;
    p.ip_len = get16(f, l3 + 2);
    if (ihl < 20 || p.ip_len < ihl || l3 + p.ip_len > f.size()) return std::nullopt;
    if (checksum(f.subspan(l3, ihl)) != 0) return std::nullopt;
    if ((get16(f, l3 + 6) & 0x3fff) != 0) return std::nullopt;  // MF or an offset
    p.ttl = f[l3 + 8];
    p.proto = f[l3 + 9];
    p.saddr = addr_at(f, l3 + 12, false);
    p.daddr = addr_at(f, l3 + 16, false);
    p.l4 = l3 + ihl;
  } else if (type == 0x86dd) {
    if (f.size() < l3 + 40 || f[l3] >> 4 != 6) return std::nullopt;
    p.v6 = true;
    p.ip_len = 40u + get16(f, l3 + 4);
    if (l3 + p.ip_len > f.size()) return std::nullopt;
    p.proto = f[l3 + 6];
    p.ttl = f[l3 + 7];
    p.saddr = addr_at(f, l3 + 8, true);
    p.daddr = addr_at(f, l3 + 24, true);
    p.l4 = l3 + 40;
  } else {
    return std::nullopt;
  }
  if (p.ttl <= 1 || !parse_l4(f, p, l3 + p.ip_len)) return std::nullopt;
  return p;
}

std::optional<Quoted> parse_too_big(View f, const Packet& p) {
  const bool icmp = p.proto == (p.v6 ? int{IPPROTO_ICMPV6} : int{IPPROTO_ICMP});
  if (!icmp || p.icmp_type != (p.v6 ? 2 : 3) || (!p.v6 && f[p.l4 + 1] != 4)) return std::nullopt;
  const std::size_t q = p.l4 + 8, end = p.l3 + p.ip_len;  // the quote, up to the IP length
  const std::size_t fixed = p.v6 ? 40 : 20;
  if (q + fixed > end) return std::nullopt;
  std::size_t hl = fixed;
  std::uint8_t proto = 0;
  if (p.v6) {
    if (f[q] >> 4 != 6 || get16(f, q + 4) < 8) return std::nullopt;
    proto = f[q + 6];
  } else {
    hl = (f[q] & 0xfu) * 4u;
    if (f[q] >> 4 != 4 || hl < 20 || get16(f, q + 2) < hl + 8 || (get16(f, q + 6) & 0x1fff) != 0)
      return std::nullopt;
    proto = f[q + 9];
  }
  if (q + hl + 8 > end || addr_at(f, q + (p.v6 ? 8 : 12), p.v6) != p.daddr) return std::nullopt;
  if (proto != IPPROTO_TCP && proto != IPPROTO_UDP) return std::nullopt;
  Quoted out;
  out.client = addr_at(f, q + (p.v6 ? 24 : 16), p.v6);
  out.port = get16(f, q + hl);
  out.client_port = get16(f, q + hl + 2);
  out.proto = proto;
  return out;
}

std::optional<Addresses> addresses(View f) {
  if (f.size() < 14) return std::nullopt;
  std::size_t l3 = 14;
  std::uint16_t type = get16(f, 12);
  if (type == 0x8100) {
    if (f.size() < 18) return std::nullopt;
    type = get16(f, 16);
    l3 = 18;
  }
  const bool v6 = type == 0x86dd;
  if ((type != 0x0800 && !v6) || f.size() < l3 + (v6 ? 40 : 20)) return std::nullopt;
  return Addresses{addr_at(f, l3 + (v6 ? 8 : 12), v6), addr_at(f, l3 + (v6 ? 24 : 16), v6)};
}

bool answers(const Packet& p, const ProbeMapping& m) {
  return (p.proto == IPPROTO_TCP || p.proto == IPPROTO_UDP) && p.proto == m.proto &&
         p.saddr == m.vip && p.sport == m.vip_port && p.daddr == m.ours &&
         p.dport == m.wire_port;
}

namespace {

// How NAT changes a frame: Ethernet addresses, IP addresses, one port, and optionally the
// 802.1Q tag (removed, or given another VLAN ID) and the TTL (decremented).
struct Rewrite {
  MAC src, dst;
  IPAddr saddr, daddr;
  std::size_t port_at = 0;  // 0: the source port, 2: the destination port
  std::uint16_t port = 0;
  bool cut_tag = false;
  std::uint16_t vid = 0;  // of a kept tag
  bool hop = false;       // TTL / hop limit decremented
};

// "" when `out` is `in` (parsed as `p`) changed exactly as `w` says, with the IPv4 header
// checksum correct, the transport checksum correct exactly when the input's was, and an IPv4
// UDP checksum of 0 ("none") still 0.
std::string check_rewrite(View in, const Packet& p, const Rewrite& w, View out) {
  Bytes want(in.begin(), in.end());
  const std::size_t cut = p.tagged && w.cut_tag ? 4 : 0;  // its ethertype moves up to byte 12
  want.erase(want.begin() + 12, want.begin() + 12 + static_cast<long>(cut));
  std::copy(w.dst.begin(), w.dst.end(), want.begin());
  std::copy(w.src.begin(), w.src.end(), want.begin() + 6);
  if (p.tagged && !cut)
    set16(want, 14, static_cast<std::uint16_t>((get16(in, 14) & 0xf000) | w.vid));
  const std::size_t l3 = p.l3 - cut, l4 = p.l4 - cut;
  const std::size_t at = l3 + (p.v6 ? 8 : 12), len = p.v6 ? 16 : 4;
  std::copy_n(w.saddr.bytes().begin(), len, want.begin() + static_cast<long>(at));
  std::copy_n(w.daddr.bytes().begin(), len, want.begin() + static_cast<long>(at + len));
  if (w.hop) --want[l3 + (p.v6 ? 7 : 8)];
  set16(want, l4 + w.port_at, w.port);
  if (out.size() != want.size())
    return fmt::format("{} bytes, {} expected", out.size(), want.size());
  const std::size_t l4_check = l4 + (p.proto == IPPROTO_TCP ? 16 : 6);
  for (std::size_t i = 0; i < want.size(); ++i) {
    const bool check = (!p.v6 && (i == l3 + 10 || i == l3 + 11)) || i == l4_check ||
                       i == l4_check + 1;
    if (!check && out[i] != want[i]) return fmt::format("differs at byte {}", i);
  }
  const View ip = out.subspan(l3, p.ip_len);
  if (std::string e = check_ip(ip); !e.empty()) return e;
  if (!p.v6 && p.proto == IPPROTO_UDP && get16(in, p.l4 + 6) == 0)
    return get16(out, l4_check) == 0 ? "" : "an IPv4 UDP checksum of 0 was filled in";
  if (l4_checksum_ok(ip) != l4_checksum_ok(in.subspan(p.l3, p.ip_len)))
    return "transport checksum";
  return "";
}

}  // namespace

std::string check_probe_reply(View in, const Packet& p, const ProbeMapping& m, const MAC& src,
                              const MAC& dst, View out) {
  Rewrite w{src, dst, m.nat, m.host, 2, m.host_port};
  w.cut_tag = true;
  const std::string e = check_rewrite(in, p, w, out);
  return e.empty() ? "" : "reply: " + e;
}

std::string check_probe_sent(View in, const Packet& p, const ProbeSent& s, View out) {
  Rewrite w{s.src, s.dst, s.ours, s.vip, 0, s.wire_port};
  w.vid = s.vlan;
  w.hop = true;
  const std::string e = check_rewrite(in, p, w, out);
  return e.empty() ? "" : "probe: " + e;
}

std::string check_ip(View ip) {
  if (ip.size() < 20) return fmt::format("{} bytes: no IP header", ip.size());
  if (ip[0] >> 4 == 4) {
    const std::size_t ihl = (ip[0] & 0xfu) * 4u;
    if (ihl < 20 || ihl > ip.size()) return fmt::format("IPv4 IHL {}", ihl);
    if (get16(ip, 2) != ip.size())
      return fmt::format("IPv4 total length {} in {} bytes", get16(ip, 2), ip.size());
    if (checksum(ip.first(ihl)) != 0) return "IPv4 header checksum";
    return "";
  }
  if (ip[0] >> 4 == 6) {
    if (ip.size() < 40 || 40u + get16(ip, 4) != ip.size())
      return fmt::format("IPv6 payload length {} in {} bytes", get16(ip, 4), ip.size());
    return "";
  }
  return fmt::format("IP version {}", ip[0] >> 4);
}

bool l4_checksum_ok(View ip) {
  const bool v6 = ip[0] >> 4 == 6;
  const std::size_t hlen = v6 ? 40 : (ip[0] & 0xfu) * 4u;
  const std::uint8_t proto = ip[v6 ? 6 : 9];
  const View l4 = ip.subspan(hlen);
  if (proto == IPPROTO_ICMP) return checksum(l4) == 0;
  // The pseudo header: both addresses, protocol and transport length.
  std::uint32_t sum = sum16(v6 ? ip.subspan(8, 32) : ip.subspan(12, 8));
  sum += proto + static_cast<std::uint32_t>(l4.size());
  return checksum(l4, sum) == 0;
}

}  // namespace xvs::test::fuzz
