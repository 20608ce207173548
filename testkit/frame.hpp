// SPDX-License-Identifier: Apache-2.0
// Builds test frames (Ethernet, optional 802.1Q, IPv4/IPv6, TCP/UDP/ICMP) with checksums
// computed here, independently of the data plane's incremental arithmetic.
#pragma once

#include <netinet/in.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <xvs/address.hpp>

namespace xvs::test {

using Bytes = std::vector<std::uint8_t>;

inline constexpr std::uint8_t kFin = 0x01, kSyn = 0x02, kRst = 0x04, kPsh = 0x08, kAck = 0x10;

struct FrameSpec {
  MAC dst{0x02, 0xee, 0, 0, 0, 0x01};  // the balancer
  MAC src{0x02, 0xcc, 0, 0, 0, 0x01};  // the router in front of it
  std::optional<std::uint16_t> vlan_tci;  // tagged when set: PCP, DEI, VID
  std::uint16_t ethertype = 0;            // 0: from the address family
  IPAddr saddr, daddr;
  std::uint8_t proto = IPPROTO_TCP;
  std::uint16_t sport = 40000, dport = 80;
  std::uint8_t tcp_flags = kAck;
  std::uint8_t ttl = 64;
  std::uint8_t tos = 0;               // IPv4 TOS / IPv6 traffic class: DSCP and ECN
  bool l4_checksum = true;            // false: UDP checksum 0 ("none", IPv4 only by RFC 768)
  std::uint16_t frag = 0;             // IPv4 flags and fragment offset, host order
  Bytes ip_options;                   // IPv4 options, a multiple of 4 bytes
  std::optional<std::uint8_t> ip6_ext;  // IPv6 extension header of this type before L4
  std::uint8_t icmp_type = 8;         // ICMP/ICMPv6 type (echo request by default for v4)
  std::uint8_t icmp_code = 0;
  std::optional<std::uint32_t> icmp_rest;  // the header's second word (default: echo ID 0x4242,
                                           // sequence 7); the MTU of a too-big error
  Bytes payload;
  std::size_t pad_to = 0;  // Ethernet padding after the IP packet up to this frame size
};

// A TCP (or `proto`) frame from `src` to `dst` with the given options.
FrameSpec tcp(const char* src, std::uint16_t sport, const char* dst, std::uint16_t dport,
              std::uint8_t flags = kAck);
FrameSpec udp(const char* src, std::uint16_t sport, const char* dst, std::uint16_t dport);
FrameSpec echo(const char* src, const char* dst);  // ICMP or ICMPv6 echo request
// ICMP "fragmentation needed" (type 3, code 4) / ICMPv6 "packet too big" (type 2) from `router`
// to the source of `quoted`, announcing `mtu`, quoting the first `quote` bytes of `quoted`'s IP
// packet (all of it when shorter).
FrameSpec too_big(const char* router, const FrameSpec& quoted, std::uint32_t mtu,
                  std::size_t quote = SIZE_MAX);

Bytes build(const FrameSpec&);

// Offsets in a frame built from `spec`.
std::size_t l3_offset(const FrameSpec& spec);
std::size_t l4_offset(const FrameSpec& spec);

// RFC 1071 sum over bytes (big-endian 16-bit words, odd byte padded), not yet complemented.
std::uint32_t sum16(std::span<const std::uint8_t> bytes, std::uint32_t sum = 0);
std::uint16_t checksum(std::span<const std::uint8_t> bytes, std::uint32_t sum = 0);

std::string hex(std::span<const std::uint8_t> bytes);  // "0000: 02 ee ..." for diffs

// Appending or writing network-order fields, for builders of further headers.
void put16(Bytes& b, std::uint16_t v);
void put32(Bytes& b, std::uint32_t v);
void set16(Bytes& b, std::size_t at, std::uint16_t v);
void put_addr(Bytes& b, const IPAddr& a);  // 4 or 16 bytes

}  // namespace xvs::test
