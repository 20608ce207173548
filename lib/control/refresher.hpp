// SPDX-License-Identifier: Apache-2.0
// The Client's background thread. It keeps the data plane's heartbeat fresh (the watchdog
// fails open without it), brings the network facts up to date after netlink events
// (net_tracker.hpp), re-commits the service table when they changed, walks the flow table
// for active connections, and pings next hops so that the kernel keeps their neighbour
// entries.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

#include "control/active.hpp"
#include "control/paths.hpp"
#include "control/service_table.hpp"
#include "net/net_tracker.hpp"
#include "net/pinger.hpp"

namespace xvs::detail {

class Refresher {
public:
  struct Parts {
    std::mutex& mu;  // guards table, paths and what heartbeat() writes
    ServiceTable& table;
    KernelPaths& paths;
    NetTracker& tracker;  // keeps paths.net current; must outlive the Refresher
    const ActiveFlows& active;
    Pinger& pinger;
    std::function<void()> heartbeat;  // called with `mu` held
    Log log;
  };

  explicit Refresher(Parts);  // starts the thread, hooks into the tracker's notifications
  ~Refresher();               // unhooks, stops the thread
  Refresher(const Refresher&) = delete;
  Refresher& operator=(const Refresher&) = delete;

  // Refresh now rather than at the next period, e.g. for a destination that waits for its
  // next hop. May be called with `mu` held.
  void wake() { wake_.notify_all(); }
  // The network changed (a netlink event): update it now. Takes `mu`.
  void network_changed();

private:
  using Clock = std::chrono::steady_clock;

  void loop();
  std::vector<std::pair<IPAddr, int>> hops_to_ping(Clock::time_point now);

  Parts parts_;
  std::condition_variable wake_;
  bool stop_ = false;
  bool net_changed_ = false;  // a netlink event arrived since the last update
  // Next hop (address, interface: a link-local one is only meaningful with it) -> last ping.
  std::map<std::pair<IPAddr, int>, Clock::time_point> pinged_;
  std::thread thread_;  // last: it uses the members above
};

}  // namespace xvs::detail
