// SPDX-License-Identifier: Apache-2.0
// The network facts the data plane's next hops are resolved from, kept current from
// rtnetlink notifications instead of dumped again on every change: a full dump only at the
// start, when notifications were lost or cannot tell the outcome (net_state.hpp), and a
// route scan when new destinations need their routes found. With a full BGP table in the
// main table that is the difference between re-reading a million routes per change and
// applying one.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <vector>

#include <xvs/address.hpp>

#include "net/net_state.hpp"
#include "net/netinfo.hpp"
#include "net/netwatch.hpp"

namespace xvs::detail {

class NetTracker {
public:
  // Subscribes to notifications, then dumps the network (throws Error{Errc::system} when
  // netlink fails).
  NetTracker();

  // `changed` runs on the watcher's thread after a burst of notifications (NetWatcher's
  // coalescing) and must not throw; it should lead to an update(). Replaces the previous
  // one; once on_change({}) returns, none runs any more.
  void on_change(std::function<void()> changed);

  // From one thread at a time (the refresher's). Applies the notifications that came since
  // the last call, dumping again where they cannot tell, and scans the routes again when
  // `destinations` has addresses whose routes are not kept. True when snapshot() changed.
  // Throws Error{Errc::system} when a dump fails; the next call dumps again.
  bool update(const std::set<IPAddr>& destinations);
  // The facts as of the last update(); routes: those deciding the destinations' next hops.
  NetSnapshot snapshot() const { return state_.snapshot(); }

private:
  static constexpr std::size_t kMaxPending = 100000;  // more: a full dump is cheaper

  bool note(const nlmsghdr* nlh);  // the watcher's thread; nullptr: notifications were lost
  // Applies what is pending; false when only a dump can be sure to be right.
  bool apply_pending(bool& changed);
  void dump(bool everything, const std::set<IPAddr>& destinations);

  std::mutex hook_mu_;  // guards changed_, held while it runs
  std::function<void()> changed_;
  std::mutex mu_;  // guards pending_ and lost_
  std::vector<NetChange> pending_;
  bool lost_ = false;
  NetState state_;
  std::optional<NetWatcher> watcher_;  // last: its thread calls note()
};

}  // namespace xvs::detail
