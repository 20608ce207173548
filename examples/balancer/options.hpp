// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <xvs/xvs.hpp>

namespace balancer {

// Everything the command line says, already validated.
struct Settings {
  std::string interface;
  xvs::Prefix prefix;                      // VLAN 1: our address or its router, with the prefix
  std::optional<xvs::Prefix> other_prefix; // -P: VLAN 1 of the other address family
  std::vector<xvs::IPAddr> vips;           // <vip> first, then each -v
  std::vector<std::uint16_t> ports;        // each -p, or 80
  std::vector<xvs::IPAddr> rips;
  unsigned run_seconds = 0;                // 0: until SIGINT/SIGTERM
  xvs::TunnelType tunnel = xvs::TunnelType::None;
  bool sticky = false;
  std::uint32_t flows_per_cpu = 0;
  std::uint16_t fou4_port = 0, fou6_port = 0, gue_port = 0;
  bool native = false;
  unsigned interval = 1;                   // seconds between statistics
  std::vector<xvs::IPAddr> peers;          // --peer: balancers to send our flows to
  xvs::IPAddr share_self;                  // our address as the peers see it (with --peer)
  std::uint16_t flow_port = 0;             // --flow-port: UDP port of flow sharing; 0 = off
  std::string flow_key;                    // --flow-key: file with the peers' shared key
  std::string pin_path;                    // --pin: Options::pin_path

  xvs::Options client_options() const;
  std::vector<xvs::Service> services() const;
  std::vector<xvs::Destination> destinations() const;
};

// Parses the command line. --help prints the usage and exits 0; a bad argument prints a
// message and exits 2.
Settings parse_settings(int argc, char** argv);

}  // namespace balancer
