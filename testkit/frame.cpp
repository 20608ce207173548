// SPDX-License-Identifier: Apache-2.0
#include "frame.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace xvs::test {

void put16(Bytes& b, std::uint16_t v) {
  b.push_back(static_cast<std::uint8_t>(v >> 8));
  b.push_back(static_cast<std::uint8_t>(v));
}

void put32(Bytes& b, std::uint32_t v) {
  put16(b, static_cast<std::uint16_t>(v >> 16));
  put16(b, static_cast<std::uint16_t>(v));
}

void set16(Bytes& b, std::size_t at, std::uint16_t v) {
  b[at] = static_cast<std::uint8_t>(v >> 8);
  b[at + 1] = static_cast<std::uint8_t>(v);
}

void put_addr(Bytes& b, const IPAddr& a) {
  b.insert(b.end(), a.bytes().begin(), a.bytes().begin() + static_cast<long>(a.size()));
}

namespace {

// The transport header and payload, checksum field zero.
Bytes transport(const FrameSpec& s) {
  Bytes b;
  switch (s.proto) {
    case IPPROTO_TCP:
      put16(b, s.sport);
      put16(b, s.dport);
      put32(b, 0x01020304);  // sequence
      put32(b, (s.tcp_flags & kAck) ? 0x0a0b0c0d : 0);
      b.push_back(5 << 4);  // data offset: 20 bytes
      b.push_back(s.tcp_flags);
      put16(b, 64240);  // window
      put16(b, 0);      // checksum
      put16(b, 0);      // urgent pointer
      break;
    case IPPROTO_UDP:
      put16(b, s.sport);
      put16(b, s.dport);
      put16(b, static_cast<std::uint16_t>(8 + s.payload.size()));
      put16(b, 0);
      break;
    case IPPROTO_ICMP:
    case IPPROTO_ICMPV6:
      b.push_back(s.icmp_type);
      b.push_back(s.icmp_code);
      put16(b, 0);
      put32(b, s.icmp_rest.value_or(0x42420007));  // echo identifier and sequence
      break;
  }
  b.insert(b.end(), s.payload.begin(), s.payload.end());
  return b;
}

std::size_t checksum_offset(std::uint8_t proto) {
  switch (proto) {
    case IPPROTO_TCP: return 16;
    case IPPROTO_UDP: return 6;
    case IPPROTO_ICMP:
    case IPPROTO_ICMPV6: return 2;
  }
  return SIZE_MAX;
}

// Pseudo-header sum (RFC 793 / RFC 8200 section 8.1); ICMPv4 has none.
std::uint32_t pseudo_sum(const FrameSpec& s, std::size_t l4_len) {
  if (s.proto == IPPROTO_ICMP) return 0;
  Bytes p;
  put_addr(p, s.saddr);
  put_addr(p, s.daddr);
  put32(p, static_cast<std::uint32_t>(l4_len));
  put32(p, s.proto);
  return sum16(p);
}

}  // namespace

FrameSpec tcp(const char* src, std::uint16_t sport, const char* dst, std::uint16_t dport,
              std::uint8_t flags) {
  FrameSpec s;
  s.saddr = IPAddr::parse(src);
  s.daddr = IPAddr::parse(dst);
  s.sport = sport;
  s.dport = dport;
  s.tcp_flags = flags;
  s.payload = {'h', 'e', 'l', 'l', 'o'};
  return s;
}

FrameSpec udp(const char* src, std::uint16_t sport, const char* dst, std::uint16_t dport) {
  FrameSpec s = tcp(src, sport, dst, dport, 0);
  s.proto = IPPROTO_UDP;
  return s;
}

FrameSpec echo(const char* src, const char* dst) {
  FrameSpec s = tcp(src, 0, dst, 0, 0);
  s.proto = s.daddr.is6() ? std::uint8_t{IPPROTO_ICMPV6} : std::uint8_t{IPPROTO_ICMP};
  s.icmp_type = s.daddr.is6() ? 128 : 8;
  s.payload = Bytes(48);
  for (std::size_t i = 0; i < s.payload.size(); ++i) s.payload[i] = static_cast<std::uint8_t>(i * 7);
  return s;
}

FrameSpec too_big(const char* router, const FrameSpec& quoted, std::uint32_t mtu,
                  std::size_t quote) {
  const bool v6 = quoted.saddr.is6();
  FrameSpec s = tcp(router, 0, "0.0.0.0", 0, 0);
  s.daddr = quoted.saddr;
  s.proto = v6 ? std::uint8_t{IPPROTO_ICMPV6} : std::uint8_t{IPPROTO_ICMP};
  s.icmp_type = v6 ? 2 : 3;
  s.icmp_code = v6 ? 0 : 4;
  s.icmp_rest = v6 ? mtu : mtu & 0xffff;  // IPv4: 16 unused bits, then the MTU
  const Bytes f = build(quoted);
  const auto ip = std::span(f).subspan(l3_offset(quoted));
  s.payload.assign(ip.begin(), ip.begin() + static_cast<long>(std::min(quote, ip.size())));
  return s;
}

std::size_t l3_offset(const FrameSpec& s) { return s.vlan_tci ? 18 : 14; }

std::size_t l4_offset(const FrameSpec& s) {
  if (s.daddr.is6()) return l3_offset(s) + 40 + (s.ip6_ext ? 8 : 0);
  return l3_offset(s) + 20 + s.ip_options.size();
}

Bytes build(const FrameSpec& s) {
  Bytes f(s.dst.begin(), s.dst.end());
  f.insert(f.end(), s.src.begin(), s.src.end());
  if (s.vlan_tci) {
    put16(f, 0x8100);
    put16(f, *s.vlan_tci);
  }
  bool v6 = s.daddr.is6();
  put16(f, s.ethertype ? s.ethertype : v6 ? 0x86dd : 0x0800);

  Bytes l4 = transport(s);
  if (std::size_t at = checksum_offset(s.proto); at != SIZE_MAX && s.l4_checksum)
    set16(l4, at, checksum(l4, pseudo_sum(s, l4.size())));

  std::size_t l3 = f.size();
  if (v6) {
    put32(f, 0x60000000 | std::uint32_t{s.tos} << 20);
    put16(f, static_cast<std::uint16_t>(l4.size() + (s.ip6_ext ? 8 : 0)));
    f.push_back(s.ip6_ext ? *s.ip6_ext : s.proto);
    f.push_back(s.ttl);
    put_addr(f, s.saddr);
    put_addr(f, s.daddr);
    if (s.ip6_ext) {  // 8 bytes: next header, then zeros (a fragment at offset 0 for 44)
      f.push_back(s.proto);
      f.insert(f.end(), 7, 0);
    }
  } else {
    std::size_t hl = 20 + s.ip_options.size();
    f.push_back(static_cast<std::uint8_t>(0x40 | hl / 4));
    f.push_back(s.tos);
    put16(f, static_cast<std::uint16_t>(hl + l4.size()));
    put16(f, 0x1234);  // identification
    put16(f, s.frag);
    f.push_back(s.ttl);
    f.push_back(s.proto);
    put16(f, 0);
    put_addr(f, s.saddr);
    put_addr(f, s.daddr);
    f.insert(f.end(), s.ip_options.begin(), s.ip_options.end());
    set16(f, l3 + 10, checksum(std::span(f).subspan(l3, hl)));
  }
  f.insert(f.end(), l4.begin(), l4.end());
  if (f.size() < s.pad_to) f.resize(s.pad_to, 0);
  return f;
}

std::uint32_t sum16(std::span<const std::uint8_t> b, std::uint32_t sum) {
  for (std::size_t i = 0; i < b.size(); i += 2)
    sum += static_cast<std::uint32_t>(b[i] << 8 | (i + 1 < b.size() ? b[i + 1] : 0));
  return sum;
}

std::uint16_t checksum(std::span<const std::uint8_t> b, std::uint32_t sum) {
  sum = sum16(b, sum);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

std::string hex(std::span<const std::uint8_t> b) {
  std::string out;
  for (std::size_t i = 0; i < b.size(); ++i)
    out += fmt::format("{}{:02x}", i % 16 ? " " : i ? fmt::format("\n{:04x}: ", i) : "0000: ",
                       b[i]);
  return out;
}

}  // namespace xvs::test
