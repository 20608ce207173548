// SPDX-License-Identifier: Apache-2.0
#include "tunnel_frames.hpp"

#include <netinet/in.h>

namespace xvs::test {

namespace {

constexpr std::size_t kGreSize = 4, kUdpSize = 8, kGueSize = 4;

std::uint8_t ip_protocol(const IPAddr& inner) {
  return inner.is6() ? std::uint8_t{IPPROTO_IPV6} : std::uint8_t{IPPROTO_IPIP};
}

// RFC 2784 base header: no checksum, version 0, the payload's ethertype.
Bytes gre_header(const IPAddr& inner) {
  Bytes b;
  put16(b, 0);
  put16(b, inner.is6() ? 0x86dd : 0x0800);
  return b;
}

// draft-ietf-intarea-gue variant 0: version 0, C 0, Hlen 0, Proto, Flags 0.
Bytes gue_header(const IPAddr& inner) {
  return {0, ip_protocol(inner), 0, 0};
}

// The tunnel header (GRE / UDP [+ GUE]) and the inner packet, for an outer IP header that
// carries them with `proto`.
Bytes tunnel_payload(const Bytes& packet, const IPAddr& inner, const Outer& o,
                     std::uint8_t& proto) {
  Bytes b;
  switch (o.type) {
    case TunnelType::None:
    case TunnelType::IPIP:
      proto = ip_protocol(inner);
      break;
    case TunnelType::GRE:
      proto = IPPROTO_GRE;
      b = o.header ? *o.header : gre_header(inner);
      break;
    case TunnelType::FOU:
    case TunnelType::GUE: {
      proto = IPPROTO_UDP;
      Bytes tunnel = o.type == TunnelType::FOU ? Bytes{} : o.header ? *o.header : gue_header(inner);
      std::size_t len = kUdpSize + tunnel.size() + packet.size();
      put16(b, o.sport);
      put16(b, o.dport);
      put16(b, static_cast<std::uint16_t>(len));
      put16(b, 0);
      b.insert(b.end(), tunnel.begin(), tunnel.end());
      break;
    }
  }
  b.insert(b.end(), packet.begin(), packet.end());
  if (proto == IPPROTO_UDP && o.udp_checksum) {
    Bytes pseudo;  // RFC 768 / RFC 8200 section 8.1
    put_addr(pseudo, o.saddr);
    put_addr(pseudo, o.daddr);
    put32(pseudo, static_cast<std::uint32_t>(b.size()));
    put32(pseudo, IPPROTO_UDP);
    std::uint16_t sum = checksum(b, sum16(pseudo));
    set16(b, 6, sum ? sum : 0xffff);  // 0 would mean "no checksum"
  }
  return b;
}

}  // namespace

Outer outer(TunnelType type, const char* saddr, const char* daddr, std::uint16_t dport) {
  Outer o;
  o.type = type;
  o.saddr = IPAddr::parse(saddr);
  o.daddr = IPAddr::parse(daddr);
  o.dport = dport;
  return o;
}

std::size_t overhead(const Outer& o) {
  std::size_t n = o.daddr.is6() ? 40 : 20;
  switch (o.type) {
    case TunnelType::None:
    case TunnelType::IPIP: return n;
    case TunnelType::GRE: return n + kGreSize;
    case TunnelType::FOU: return n + kUdpSize;
    case TunnelType::GUE: return n + kUdpSize + kGueSize;
  }
  return n;
}

Bytes encapsulate(const FrameSpec& inner, const Outer& o) {
  FrameSpec unpadded = inner;  // the padding goes after the outer packet
  unpadded.pad_to = 0;
  const Bytes frame = build(unpadded);
  const std::size_t l3 = l3_offset(inner);
  const Bytes packet(frame.begin() + static_cast<long>(l3), frame.end());
  std::uint8_t proto = 0;
  const Bytes payload = tunnel_payload(packet, inner.daddr, o, proto);

  Bytes f(frame.begin(), frame.begin() + static_cast<long>(l3));
  set16(f, l3 - 2, o.daddr.is6() ? 0x86dd : 0x0800);
  if (o.daddr.is6()) {
    put32(f, 0x60000000 | std::uint32_t{o.tos} << 20 | (o.flow_label & 0xfffff));
    put16(f, static_cast<std::uint16_t>(payload.size()));
    f.push_back(proto);
    f.push_back(o.ttl);
    put_addr(f, o.saddr);
    put_addr(f, o.daddr);
  } else {
    f.push_back(0x45);
    f.push_back(o.tos);
    put16(f, static_cast<std::uint16_t>(20 + payload.size()));
    put16(f, o.ip_id);
    put16(f, o.frag);
    f.push_back(o.ttl);
    f.push_back(proto);
    put16(f, 0);
    put_addr(f, o.saddr);
    put_addr(f, o.daddr);
    set16(f, l3 + 10, checksum(std::span(f).subspan(l3, 20)));
  }
  f.insert(f.end(), payload.begin(), payload.end());
  if (f.size() < inner.pad_to) f.resize(inner.pad_to, 0);
  return f;
}

}  // namespace xvs::test
