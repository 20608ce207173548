// SPDX-License-Identifier: Apache-2.0
// The frames xvs-bench sends: Ethernet, IPv4 or IPv6, TCP or UDP, with correct checksums
// (the data plane verifies the IPv4 header checksum, and a forwarded frame should be one a
// backend would accept).
#pragma once

#include <netinet/in.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include <xvs/address.hpp>

namespace xvs::bench {

using Bytes = std::vector<std::uint8_t>;

inline constexpr std::uint8_t kSyn = 0x02, kAck = 0x10;
inline constexpr std::size_t kEthLen = 14;

struct FrameSpec {
  MAC dst{};                             // the balancer
  MAC src{0x02, 0xcc, 0, 0, 0, 0x01};    // the router in front of it
  IPAddr saddr, daddr;                   // same family
  std::uint8_t proto = IPPROTO_TCP;      // TCP or UDP
  std::uint16_t sport = 40000, dport = 80;
  std::uint8_t tcp_flags = kAck;
  std::size_t payload = 0;               // bytes after the L4 header
};

Bytes build(const FrameSpec&);

// Where BENCH_VARY_FLOW (bench.bpf.c) rewrites a frame built from `spec`.
struct VaryOffsets {
  std::uint16_t sport = 0;  // L4 source port
  std::uint16_t saddr = 0;  // last 16 bits of the source address
  std::uint16_t csum = 0;   // IPv4 header checksum; 0 for IPv6
};
VaryOffsets vary_offsets(const FrameSpec& spec);

// Offset of the IP header in frames built here (untagged).
inline constexpr std::size_t l3_offset() { return kEthLen; }

// RFC 1071 checksum of `bytes` (complemented), continuing from `sum`.
std::uint16_t checksum(const std::uint8_t* bytes, std::size_t n, std::uint32_t sum = 0);

}  // namespace xvs::bench
