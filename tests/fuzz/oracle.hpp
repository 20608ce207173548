// SPDX-License-Identifier: Apache-2.0
// An independent reading of frames for the fuzz campaign: what docs/dataplane.md says the
// data plane accepts, written here from the RFCs, so that a forwarded frame can be judged
// without trusting any BPF code.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <xvs/address.hpp>

namespace xvs::test::fuzz {

using View = std::span<const std::uint8_t>;

// A frame's IP packet, every header the data plane verifies on VIP traffic well formed.
struct Packet {
  bool tagged = false;
  std::size_t l3 = 0;  // offset of the IP header
  bool v6 = false;
  std::size_t ip_len = 0;  // IP header(s) and payload, without Ethernet padding
  std::size_t l4 = 0;      // offset of the transport header
  std::uint8_t proto = 0;
  IPAddr saddr, daddr;
  std::uint16_t sport = 0, dport = 0;  // host order (TCP/UDP)
  std::uint8_t icmp_type = 0;          // ICMP / ICMPv6
  std::uint8_t ttl = 0;
};

// The frame read as docs/dataplane.md steps 1-6 do for a packet to a VIP (one 802.1Q tag;
// IPv4 lengths, header checksum, no fragment; IPv6 without extension headers; TTL > 1;
// complete TCP/UDP/ICMP header). nullopt: the data plane must not forward or answer it.
std::optional<Packet> parse_valid(View frame);

// The flow a too-big error quotes, in the direction the balancer sees it (client -> VIP).
struct Quoted {
  IPAddr client;
  std::uint16_t client_port = 0, port = 0;  // host order
  std::uint8_t proto = 0;
};

// When `p` (parsed from `frame`) is an error the data plane delivers to a backend
// (docs/dataplane.md, path-MTU discovery): ICMP "fragmentation needed" / ICMPv6 "packet too
// big" whose quote, within the IP length, holds a consistent IP header of the same family
// from the VIP it was sent to (IPv4: no fragment offset) and the first 8 bytes of a TCP or
// UDP header; the flow it names. nullopt otherwise.
std::optional<Quoted> parse_too_big(View frame, const Packet& p);

// The IP addresses of a frame whose Ethernet header, one optional 802.1Q tag and fixed IPv4
// (20 bytes) or IPv6 (40 bytes) header are in it: what docs/dataplane.md step 2 decides on
// (nothing validated). nullopt otherwise.
struct Addresses {
  IPAddr saddr, daddr;
};
std::optional<Addresses> addresses(View frame);

// What a health-check probe left behind (docs/healthchecks.md): its reply, TCP/UDP (`proto`)
// from vip:vip_port to ours:wire_port, goes to host:host_port from `nat`.
struct ProbeMapping {
  IPAddr vip, ours, nat, host;
  std::uint16_t vip_port = 0, wire_port = 0, host_port = 0;  // host order
  std::uint8_t proto = 0;
};

// `p` is the reply `m` maps.
bool answers(const Packet& p, const ProbeMapping& m);

// "" when `out` is `in` (parsed as `p`, a reply `m` maps) as it must go into the health-check
// pair (docs/dataplane.md step 2): 802.1Q tag removed, Ethernet source `src` and destination
// `dst`, from m.nat to m.host, destination port m.host_port, every other byte (Ethernet
// padding too) as it was; IPv4 header checksum correct, the transport checksum correct
// exactly when the input's was, an IPv4 UDP checksum of 0 ("none") still 0. Else what is not.
std::string check_probe_reply(View in, const Packet& p, const ProbeMapping& m, const MAC& src,
                              const MAC& dst, View out);

// What a probe through the NAT program must become (docs/healthchecks.md): the host's
// packet to the pair's NAT address, sent like client traffic to the pair's backend
// (Ethernet from `src` to `dst`, a kept 802.1Q tag with VLAN ID `vlan`), from `ours` to the
// pair's VIP, from source port `wire_port` (the host's, or another when a probe to another
// backend uses that one), its TTL decremented.
struct ProbeSent {
  MAC src, dst;
  IPAddr ours, vip;
  std::uint16_t wire_port = 0, vlan = 0;
};

// "" when `out` is the probe `in` (parsed as `p`) rewritten as `s` says, every other byte
// unchanged; IPv4 header checksum correct, the transport checksum correct exactly when the
// input's was, an IPv4 UDP checksum of 0 still 0. Else what is not.
std::string check_probe_sent(View in, const Packet& p, const ProbeSent& s, View out);

// An IP packet (no Ethernet) whose header(s) agree with its size: IPv4 header checksum and
// total length, IPv6 payload length. Returns "" or what is wrong.
std::string check_ip(View packet);

// The transport checksum of the IP packet `packet` (TCP, UDP, ICMP, ICMPv6) verifies.
bool l4_checksum_ok(View packet);

}  // namespace xvs::test::fuzz
