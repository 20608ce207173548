// SPDX-License-Identifier: Apache-2.0
// Subscription to rtnetlink change events (links, addresses, neighbours, routes, nexthop
// objects) on a thread of its own, so that a change of network facts reaches the data
// plane promptly instead of at the next periodic refresh.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

struct nlmsghdr;
struct mnl_socket;

namespace xvs::detail {

class NetWatcher {
public:
  // Receives each notification, on the watcher's thread, before `changed` runs for it, and
  // tells whether it matters; nullptr when notifications were lost (the receive buffer
  // overran: ENOBUFS). Must not throw.
  using Messages = std::function<bool(const nlmsghdr*)>;
  static constexpr std::chrono::milliseconds kSettle{30}, kMinGap{100};

  // Bursts of events are coalesced: `changed` runs at most once per `min_gap`, `settle`
  // after the first event of a burst. A receive-buffer overrun (ENOBUFS: events were lost)
  // also counts as a change, since the caller re-dumps everything. Without `messages`, a
  // notification matters when the netlink.hpp parsers accept it. `changed` runs on the
  // watcher's thread and must not throw. Throws Error{Errc::system} when the socket cannot
  // be opened.
  explicit NetWatcher(std::function<void()> changed, std::chrono::milliseconds settle = kSettle,
                      std::chrono::milliseconds min_gap = kMinGap, Messages messages = {});
  ~NetWatcher();
  NetWatcher(const NetWatcher&) = delete;
  NetWatcher& operator=(const NetWatcher&) = delete;

private:
  enum class Ready { events, timeout, stop };
  void run();
  Ready wait(int timeout_ms);  // -1: no timeout
  bool drain();  // true when a pending message concerns the snapshot (or events were lost)

  std::function<void()> changed_;
  Messages messages_;
  std::chrono::milliseconds settle_, min_gap_;
  mnl_socket* nl_ = nullptr;
  int stop_fd_ = -1;  // eventfd: written by the destructor
  std::thread thread_;
};

}  // namespace xvs::detail
