// SPDX-License-Identifier: Apache-2.0
// Route health injection: a VipListener that keeps BIRD announcing exactly the healthy VIPs.
// On each change it rewrites the include file (bird_config.hpp) and asks BIRD over its
// control socket to `configure` (BIRD reloads its configuration; a static protocol whose
// routes changed is updated in place, sessions stay up). The work runs on a thread of its
// own, so the daemon's state thread never waits for BIRD. When BIRD is not running or refuses
// the file, the error is logged once per distinct message, kept for the status, and retried;
// balancing goes on without announcements.
//
// Announcing starts held: nothing is announced until release() (the daemon first waits for
// its flow-sharing peers and the `learn` time). withdraw_all() is the first step of shutdown.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include <xvs/xvs.hpp>

#include "bird_control.hpp"
#include "config/config.hpp"
#include "events.hpp"

namespace xvsd::rhi {

struct AnnouncerSettings {
  std::string socket = "/run/bird/bird.ctl";
  std::string include_file = "/run/xvsd/bird.conf";
  BgpConfig bgp;
  std::chrono::milliseconds retry{2000};
};

struct AnnouncerState {
  bool held = true;
  bool in_sync = false;        // BIRD's configuration reflects `announced`
  std::set<xvs::IPAddr> announced;  // as last accepted by BIRD
  std::string error;           // the latest failure; empty after a success
};

class Announcer : public VipListener {
public:
  // Writes the include file with no routes at once (so that routes a previous run left are
  // withdrawn at the next `configure`) and starts the thread.
  explicit Announcer(AnnouncerSettings settings);
  ~Announcer() override;
  Announcer(const Announcer&) = delete;
  Announcer& operator=(const Announcer&) = delete;

  void vip_health(const xvs::IPAddr& vip, bool healthy) override;
  void vip_removed(const xvs::IPAddr& vip) override;

  void release();  // start announcing the healthy VIPs
  // Withdraws everything and waits (at most `limit`) until BIRD has taken it or could not be
  // reached; true when BIRD took it.
  bool withdraw_all(std::chrono::milliseconds limit);
  AnnouncerState state() const;

private:
  void run();
  void apply(const std::set<xvs::IPAddr>& want);  // throws; called without the lock

  AnnouncerSettings settings_;
  BirdControl bird_;
  mutable std::mutex mutex_;
  std::condition_variable changed_, applied_;
  std::set<xvs::IPAddr> healthy_;
  bool held_ = true, withdrawn_ = false, stop_ = false, dirty_ = true;
  std::uint64_t generation_ = 0, applied_generation_ = 0, attempted_generation_ = 0;
  AnnouncerState state_;
  std::string last_logged_error_;
  std::thread thread_;
};

}  // namespace xvsd::rhi
