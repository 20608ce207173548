// SPDX-License-Identifier: Apache-2.0
// Tunnel frames: the IP packet of a test frame behind outer IPv4/IPv6 and IPIP, GRE, FOU or
// GUE headers, built here from the RFCs, independently of any BPF code. For decapsulation
// tests (input) and encapsulation tests (expected output) alike.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include <xvs/address.hpp>
#include <xvs/types.hpp>

#include "frame.hpp"

namespace xvs::test {

struct Outer {
  IPAddr saddr, daddr;  // their family is the outer header's
  TunnelType type = TunnelType::IPIP;
  std::uint16_t sport = 0x8001, dport = 0;  // FOU / GUE
  bool udp_checksum = true;                 // false: 0 (RFC 768; RFC 6935 over IPv6)
  std::uint8_t ttl = 64;
  std::uint8_t tos = 0;          // IPv4 TOS / IPv6 traffic class
  std::uint32_t flow_label = 0;  // IPv6
  std::uint16_t ip_id = 0;  // IPv4 identification
  std::uint16_t frag = 0x4000;  // IPv4 flags and fragment offset, host order: DF
  std::optional<Bytes> header;  // replaces the GRE or GUE header (flags, other versions...)
};

// Outer headers for `type` from `saddr` to `daddr` (UDP port `dport` for FOU/GUE).
Outer outer(TunnelType type, const char* saddr, const char* daddr, std::uint16_t dport = 0);

// The frame `inner` with `outer`'s headers between its Ethernet header (MACs and 802.1Q tag
// kept; ethertype of the outer family) and its IP packet; inner.pad_to pads the whole frame.
Bytes encapsulate(const FrameSpec& inner, const Outer& outer);

// Bytes of `outer`'s headers: IP, plus GRE, UDP or UDP + GUE (with the default header).
std::size_t overhead(const Outer& outer);

}  // namespace xvs::test
