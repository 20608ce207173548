// SPDX-License-Identifier: Apache-2.0
#include "net/net_tracker.hpp"

#include <utility>

#include "net/netlink.hpp"

namespace xvs::detail {

NetTracker::NetTracker() {
  // Subscribed before the dump, so that nothing changing meanwhile goes unnoticed.
  watcher_.emplace(
      [this] {
        std::lock_guard lock(hook_mu_);
        if (changed_) changed_();
      },
      NetWatcher::kSettle, NetWatcher::kMinGap,
      [this](const nlmsghdr* nlh) { return note(nlh); });
  dump(true, {});
}

void NetTracker::on_change(std::function<void()> changed) {
  std::lock_guard lock(hook_mu_);
  changed_ = std::move(changed);
}

bool NetTracker::note(const nlmsghdr* nlh) {
  std::optional<NetChange> change;
  if (nlh != nullptr) {
    change = parse_change(nlh);
    if (!change) return false;
  }
  std::lock_guard lock(mu_);
  if (!change || pending_.size() >= kMaxPending) {
    pending_.clear();
    lost_ = true;
  } else {
    pending_.push_back(std::move(*change));
  }
  return true;
}

bool NetTracker::apply_pending(bool& changed) {
  std::vector<NetChange> pending;
  {
    std::lock_guard lock(mu_);
    pending.swap(pending_);
    if (std::exchange(lost_, false)) return false;
  }
  for (const NetChange& c : pending) switch (state_.apply(c)) {
      case NetState::Outcome::unchanged: break;
      case NetState::Outcome::changed: changed = true; break;
      case NetState::Outcome::resync: return false;
    }
  return true;
}

bool NetTracker::update(const std::set<IPAddr>& destinations) {
  bool changed = false;
  bool everything = !apply_pending(changed);
  // A dump and what came while it ran; a network that keeps changing past that is dumped
  // again at the next call.
  constexpr int kRounds = 3;
  for (int round = 0; round < kRounds; ++round) {
    if (!everything && state_.routes().watch(destinations)) return changed;
    dump(everything, destinations);
    changed = true;
    everything = !apply_pending(changed);
  }
  if (everything) {
    std::lock_guard lock(mu_);
    lost_ = true;
  }
  return changed;
}

void NetTracker::dump(bool everything, const std::set<IPAddr>& destinations) {
  try {
    // Nexthop objects before the routes naming them.
    if (everything)
      state_.reset(dump_links(), dump_addresses(), dump_neighbours(), dump_nexthops());
    RouteSet& routes = state_.routes();
    scan_routes([&] { routes.begin(destinations); }, [&](const Route& r) { routes.offer(r); });
    routes.end();
  } catch (...) {
    std::lock_guard lock(mu_);
    lost_ = true;  // the state is half new: the next update() starts over
    throw;
  }
}

}  // namespace xvs::detail
