// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <xvs/address.hpp>
#include <xvs/export.hpp>

namespace xvs {

enum class Protocol : std::uint8_t { TCP = 0x06, UDP = 0x11 };
enum class TunnelType : std::uint8_t { None = 0, IPIP = 1, GRE = 2, FOU = 3, GUE = 4 };

// "tcp", "udp", "unknown"
XVS_API const char* to_string(Protocol) noexcept;
// "none", "ipip", "gre", "fou", "gue", "unknown"
XVS_API const char* to_string(TunnelType) noexcept;

// A virtual service: clients connect to address:port over protocol.
struct Service {
  IPAddr address;
  std::uint16_t port = 0;
  Protocol protocol = Protocol::TCP;
  bool sticky = false;  // hash only the L3 addresses, so a client keeps its backend
  bool operator==(const Service&) const = default;
};

// A real server of a service. Identified within its service by address.
struct Destination {
  IPAddr address;
  TunnelType tunnel_type = TunnelType::None;
  std::uint16_t tunnel_port = 0;  // FOU/GUE destination UDP port
  bool tunnel_encap_no_checksum = false;
  bool disable = false;           // keep existing flows, give no new ones
  std::uint16_t weight = 1;       // share of new flows; 0 behaves like disable
  bool operator==(const Destination&) const = default;
};

struct Stats {
  std::uint64_t connections = 0;       // new flows
  std::uint64_t incoming_packets = 0;
  std::uint64_t incoming_bytes = 0;
  bool operator==(const Stats&) const = default;
};

// Named counters; keys are documented in docs/dataplane.md.
using Metrics = std::map<std::string, std::uint64_t>;

struct ServiceExtended {
  Service service;
  Stats stats;
  Metrics metrics;
};

struct DestinationExtended {
  Destination destination;
  std::uint32_t active_connections = 0;
  Stats stats;
  Metrics metrics;
  MAC mac{};  // next hop MAC in use; all zero while unresolved
};

struct VIP {
  IPAddr address;
  Stats stats;
  Metrics metrics;
};

struct Info {
  Stats stats;
  std::uint64_t latency = 0;  // average data-plane ns per packet over the last ~10 s (sampled)
  Metrics metrics;
  IPAddr ipv4, ipv6;          // host side of the health-check NAT namespace
};

// VLAN ID -> the balancer's own prefix on that VLAN; backend prefix -> VLAN ID.
struct Config {
  std::map<std::uint16_t, Prefix> ipv4_vlans, ipv6_vlans;
  std::map<Prefix, std::uint16_t> routes;
  bool operator==(const Config&) const = default;
};

class XVS_API Logger {
public:
  virtual ~Logger() = default;
  virtual void debug(std::string_view msg,
                     const std::vector<std::pair<std::string, std::string>>& fields) = 0;
};

struct Options {
  bool driver_mode = false;               // native XDP instead of generic
  bool bonding = false;                   // several interfaces form one bond: always XDP_TX
  std::vector<std::uint8_t> bpf_program;  // replaces the embedded BPF object when not empty
  std::uint32_t flows_per_cpu = 0;        // 0 = default (1,000,000)
  std::uint8_t interface_init_delay = 0;  // seconds between attaching interfaces
  std::map<std::uint16_t, Prefix> ipv4_vlans, ipv6_vlans;
  std::map<Prefix, std::uint16_t> routes;
  std::shared_ptr<Logger> logger;
  // A directory on a BPF filesystem (bpffs) where the flow tables are pinned, so that the
  // next Client given the same directory keeps the established flows (docs/flows.md).
  // Empty = no pinning. Pins stay after the Client is destroyed; one directory per Client.
  std::string pin_path;
  // Attach even to an interface where another tool's XDP program is, replacing it (and not
  // restoring it afterwards). Without it such an interface is refused (Errc::in_use).
  bool replace_xdp = false;
};

}  // namespace xvs
