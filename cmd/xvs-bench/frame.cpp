// SPDX-License-Identifier: Apache-2.0
#include "frame.hpp"

namespace xvs::bench {

namespace {

constexpr std::size_t kIp4Len = 20, kIp6Len = 40, kTcpLen = 20, kUdpLen = 8;

void put16(Bytes& b, std::uint16_t v) {
  b.push_back(static_cast<std::uint8_t>(v >> 8));
  b.push_back(static_cast<std::uint8_t>(v));
}

void set16(Bytes& b, std::size_t at, std::uint16_t v) {
  b[at] = static_cast<std::uint8_t>(v >> 8);
  b[at + 1] = static_cast<std::uint8_t>(v);
}

void put_addr(Bytes& b, const IPAddr& a) {
  b.insert(b.end(), a.bytes().begin(), a.bytes().begin() + (a.is4() ? 4 : 16));
}

std::uint32_t sum16(const std::uint8_t* p, std::size_t n, std::uint32_t sum) {
  for (std::size_t i = 0; i + 1 < n; i += 2)
    sum += static_cast<std::uint32_t>(p[i] << 8 | p[i + 1]);
  if (n % 2) sum += static_cast<std::uint32_t>(p[n - 1] << 8);
  return sum;
}

// The transport header (checksum zero) and a payload of `s.payload` bytes.
Bytes transport(const FrameSpec& s) {
  Bytes b;
  put16(b, s.sport);
  put16(b, s.dport);
  if (s.proto == IPPROTO_TCP) {
    put16(b, 0x0102);  // sequence
    put16(b, 0x0304);
    const std::uint16_t ack = (s.tcp_flags & kAck) ? 0x0a0a : 0;  // acknowledgment number
    put16(b, ack);
    put16(b, ack);
    b.push_back(5 << 4);  // data offset: 20 bytes
    b.push_back(s.tcp_flags);
    put16(b, 64240);  // window
    put16(b, 0);      // checksum
    put16(b, 0);      // urgent pointer
  } else {
    put16(b, static_cast<std::uint16_t>(kUdpLen + s.payload));
    put16(b, 0);
  }
  for (std::size_t i = 0; i < s.payload; ++i) b.push_back(static_cast<std::uint8_t>('a' + i % 26));
  return b;
}

}  // namespace

std::uint16_t checksum(const std::uint8_t* bytes, std::size_t n, std::uint32_t sum) {
  sum = sum16(bytes, n, sum);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

Bytes build(const FrameSpec& s) {
  Bytes l4 = transport(s);
  Bytes pseudo;
  put_addr(pseudo, s.saddr);
  put_addr(pseudo, s.daddr);
  put16(pseudo, 0);
  put16(pseudo, static_cast<std::uint16_t>(l4.size()));
  put16(pseudo, s.proto);
  std::uint16_t l4sum = checksum(l4.data(), l4.size(), sum16(pseudo.data(), pseudo.size(), 0));
  if (s.proto == IPPROTO_UDP && l4sum == 0) l4sum = 0xffff;  // 0 means "none" in UDP
  set16(l4, s.proto == IPPROTO_TCP ? 16 : 6, l4sum);

  Bytes f(s.dst.begin(), s.dst.end());
  f.insert(f.end(), s.src.begin(), s.src.end());
  if (s.saddr.is4()) {
    put16(f, 0x0800);
    std::size_t ip = f.size();
    put16(f, 0x4500);
    put16(f, static_cast<std::uint16_t>(kIp4Len + l4.size()));
    put16(f, 0x1234);  // identification
    put16(f, 0x4000);  // don't fragment
    f.push_back(64);   // TTL
    f.push_back(s.proto);
    put16(f, 0);  // header checksum, below
    put_addr(f, s.saddr);
    put_addr(f, s.daddr);
    set16(f, ip + 10, checksum(f.data() + ip, kIp4Len));
  } else {
    put16(f, 0x86dd);
    put16(f, 0x6000);
    put16(f, 0);
    put16(f, static_cast<std::uint16_t>(l4.size()));
    f.push_back(s.proto);
    f.push_back(64);  // hop limit
    put_addr(f, s.saddr);
    put_addr(f, s.daddr);
  }
  f.insert(f.end(), l4.begin(), l4.end());
  return f;
}

VaryOffsets vary_offsets(const FrameSpec& s) {
  VaryOffsets o;
  const std::size_t l3 = l3_offset();
  if (s.saddr.is4()) {
    o.saddr = static_cast<std::uint16_t>(l3 + 14);
    o.csum = static_cast<std::uint16_t>(l3 + 10);
    o.sport = static_cast<std::uint16_t>(l3 + kIp4Len);
  } else {
    o.saddr = static_cast<std::uint16_t>(l3 + 8 + 14);
    o.sport = static_cast<std::uint16_t>(l3 + kIp6Len);
  }
  return o;
}

}  // namespace xvs::bench
