// SPDX-License-Identifier: Apache-2.0
// xvsd's scale-out (docs/scale-out.md) as main() uses it: the command-line options, the
// route-health announcer (rhi/) and the flow-sharing transport (cmd/flowshare), started and stopped
// in the order that keeps connections: share flows, wait for the peers (bounded), announce;
// on the way out withdraw, let the routers move traffic, then stop.
#pragma once

#include <chrono>
#include <memory>
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

struct ScaleOutOptions {
  std::string bird_include;     // route health injection is on when this is given
  std::string bird_socket = "/run/bird/bird.ctl";
  std::string share_address;    // flow sharing is on when this is given
  std::vector<std::string> share_peers;
  std::uint16_t share_port = 9470;
  std::string share_key;        // file with 64 hex digits
  unsigned peer_wait = 10;      // seconds, at most, for the peers before announcing
  unsigned drain = 3;           // seconds between withdrawing and stopping
};

void add_scaleout_options(CLI::App& app, ScaleOutOptions& o);

class ScaleOut {
public:
  // Throws std::runtime_error (naming the option) on unusable options.
  ScaleOut(const ScaleOutOptions& options, const BgpConfig& bgp);
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
  ScaleOutOptions options_;
  std::uint16_t learn_;
  std::shared_ptr<rhi::Announcer> announcer_;
  std::unique_ptr<flowshare::FlowShare> share_;
  std::thread starter_;
};

}  // namespace xvsd
