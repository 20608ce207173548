// SPDX-License-Identifier: Apache-2.0
// xvsd's configuration as the daemon uses it: vc5's YAML (services, policies, servers, vlans,
// bgp) expanded to one entry per (virtual address, port, protocol), with every default filled
// in. docs/xvsd.md describes the file format; config/parse.cpp turns YAML into this.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include <xvs/xvs.hpp>

namespace xvsd {

// A configuration error, its message "FILE:LINE: FIELD: problem".
class ConfigError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

enum class CheckType { http, https, syn, dns, dnstcp };
const char* to_string(CheckType) noexcept;

// One health check run against a backend (through its NAT address) on `port`.
struct CheckConfig {
  CheckType type = CheckType::http;
  std::uint16_t port = 0;
  std::string path = "/";       // http/https
  std::string host;             // http/https Host header; empty = the VIP
  unsigned expect = 200;        // http/https status
  std::string method = "GET";   // GET or HEAD
  bool operator==(const CheckConfig&) const = default;
};

// How often checks run and how many results in a row change a backend's state.
struct CheckTiming {
  std::chrono::milliseconds interval{2000};
  std::chrono::milliseconds timeout{1000};
  unsigned rise = 2;  // consecutive passes that bring a failed backend back
  unsigned fall = 2;  // consecutive failures that take a healthy backend out
  bool operator==(const CheckTiming&) const = default;
};

struct BackendConfig {
  xvs::IPAddr address;
  std::string name;             // vc5's optional label; defaults to the address
  std::uint16_t weight = 1;
  bool disabled = false;        // administratively out of service
  bool operator==(const BackendConfig&) const = default;
};

// One layer-4 service: a VIP, a port and a protocol with its real servers.
struct ServiceConfig {
  std::string name, description;
  xvs::Service service;         // address, port, protocol, sticky
  unsigned need = 1;
  xvs::TunnelType tunnel = xvs::TunnelType::None;
  std::uint16_t tunnel_port = 0;
  bool tunnel_no_checksum = false;
  std::vector<BackendConfig> backends;
  std::vector<CheckConfig> checks;   // all must pass; none = always healthy
  CheckTiming timing;
  int line = 0;                 // where it was declared (for messages)
  bool operator==(const ServiceConfig&) const = default;
};

// Route health injection parameters, kept for the BGP/BIRD side (cmd/xvsd/rhi).
struct BgpConfig {
  bool configured = false;      // a `bgp:` (or vc5's older `rhi:`) section was present
  std::uint32_t as_number = 0;
  std::uint16_t hold_time = 0;  // seconds; 0 = the speaker's default
  std::vector<xvs::IPAddr> peers;
  std::vector<std::string> communities;   // "ASN:VALUE", validated
  bool listen = false;          // accept incoming sessions too
  std::uint16_t learn = 0;      // seconds to wait after start before announcing (vc5 `learn`)
  bool operator==(const BgpConfig&) const = default;
};

// Flow sharing with the other balancers (cmd/flowshare, docs/scale-out.md): the
// `flow_sharing:` section. Read at start only; the command line's --share-* override it.
struct FlowSharingConfig {
  bool configured = false;      // the section was present
  xvs::IPAddr address;          // this balancer's address, as its peers see it
  std::vector<xvs::IPAddr> peers;
  std::uint16_t port = 9470;
  std::string key_file;         // 64 hexadecimal digits, the same on every peer
  std::uint32_t rate = 50'000;  // datagrams per second accepted from one peer
  std::uint32_t burst = 5'000;  // ... in bursts of at most this many
  std::uint16_t peer_wait = 10; // seconds, at most, to wait for the peers before announcing
  bool operator==(const FlowSharingConfig&) const = default;
};

// The BIRD beside xvsd (cmd/xvsd/rhi): the `bird:` section. Read at start only; the command
// line's --bird-include, --bird-socket and --drain override it.
struct BirdConfig {
  std::string include;          // the file xvsd writes; route health injection is on when set
  std::string socket = "/run/bird/bird.ctl";
  std::uint16_t drain = 3;      // seconds between withdrawing the routes and stopping
  bool operator==(const BirdConfig&) const = default;
};

struct Config {
  std::string file;
  std::vector<ServiceConfig> services;
  std::map<std::uint16_t, xvs::Prefix> ipv4_vlans, ipv6_vlans;
  std::map<xvs::Prefix, std::uint16_t> routes;
  BgpConfig bgp;
  FlowSharingConfig flow_sharing;
  BirdConfig bird;
  std::string webserver;        // HTTP listen address (vc5 `webserver`); empty = default
  std::vector<std::string> warnings;  // vc5 keys that xvsd reads but does not act on
};

// Parses YAML text; `file` names it in messages. Throws ConfigError.
Config parse_config(const std::string& text, const std::string& file);
// Reads and parses a file. Throws ConfigError (also when the file cannot be read).
Config load_config(const std::string& file);

}  // namespace xvsd
