// SPDX-License-Identifier: Apache-2.0
// xvsd's scale-out (docs/scale-out.md) as main() uses it: the config's `bird:` and
// `flow_sharing:` sections overridden by the command-line options, the
// route-health announcer (rhi/) and the flow-sharing transport (cmd/flowshare), started and stopped
// in the order that keeps connections: share flows, wait for the peers (bounded), announce;
// on the way out withdraw, let the routers move traffic, then stop.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <xvs/xvs.hpp>

#include "announcer.hpp"
#include "config/config.hpp"
#include "status.hpp"
#include "flowshare/transport.hpp"

namespace xvsd {

// The command line's scale-out options: each one given overrides the config's setting.
struct ScaleOutOptions {
  std::optional<std::string> bird_include;   // route health injection is on when set
  std::optional<std::string> bird_socket;
  std::optional<std::string> share_address;  // flow sharing is on when set
  std::vector<std::string> share_peers;      // empty: the config's
  std::optional<std::uint16_t> share_port;
  std::optional<std::string> share_key;      // file with 64 hex digits
  std::optional<std::uint16_t> peer_wait;    // seconds, at most, for the peers before announcing
  std::optional<std::uint16_t> drain;        // seconds between withdrawing and stopping
};

// What runs: the config's sections with the command line's options applied.
struct ScaleOutSettings {
  BirdConfig bird;                   // bird.include empty: no route health injection
  FlowSharingConfig flow_sharing;    // configured false: no flow sharing
};

// Throws std::runtime_error naming the option when the result is unusable.
ScaleOutSettings resolve(const ScaleOutOptions& cli, const Config& config);

void add_scaleout_options(CLI::App& app, ScaleOutOptions& o);

class ScaleOut {
public:
  ScaleOut(ScaleOutSettings settings, const BgpConfig& bgp);
  ~ScaleOut();
  ScaleOut(const ScaleOut&) = delete;
  ScaleOut& operator=(const ScaleOut&) = delete;

  std::shared_ptr<rhi::Announcer> announcer() const { return announcer_; }
  void start_sharing(xvs::Client& client);
  // On a thread of its own: waits for the peers (at most peer_wait) and `learn`, announces.
  void announce_when_ready();
  void withdraw_and_drain();
  Status add_status(Status s) const;

private:
  ScaleOutSettings settings_;
  std::uint16_t learn_;
  std::shared_ptr<rhi::Announcer> announcer_;
  std::unique_ptr<flowshare::FlowShare> share_;
  std::thread starter_;
};

}  // namespace xvsd
