// SPDX-License-Identifier: Apache-2.0
#include "control/refresher.hpp"

#include <optional>
#include <set>

#include <xvs/error.hpp>

#include "dataplane/clock.hpp"

namespace xvs::detail {

namespace {

// Refresh period; shorter while some next hop is still unresolved, so traffic starts soon
// after a neighbour answers.
constexpr auto kRefreshPeriod = std::chrono::milliseconds(1000);
constexpr auto kResolvingPeriod = std::chrono::milliseconds(200);
// Resolved next hops are pinged this often to keep their neighbour entries fresh.
constexpr auto kKeepAlivePing = std::chrono::seconds(10);
// The flow table is walked this often to estimate active connections (active.hpp).
constexpr auto kActiveWalk = std::chrono::seconds(2);

}  // namespace

Refresher::Refresher(Parts parts) : parts_(std::move(parts)), thread_([this] { loop(); }) {
  parts_.tracker.on_change([this] { network_changed(); });
}

Refresher::~Refresher() {
  parts_.tracker.on_change({});
  {
    std::lock_guard lock(parts_.mu);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Refresher::network_changed() {
  {
    std::lock_guard lock(parts_.mu);
    net_changed_ = true;
  }
  wake_.notify_all();
}

// Next hops whose neighbour entry we want the kernel to (re)learn now, with the interface
// their neighbour entry lives on.
std::vector<std::pair<IPAddr, int>> Refresher::hops_to_ping(Clock::time_point now) {
  std::set<std::pair<IPAddr, int>> wanted;
  std::vector<std::pair<IPAddr, int>> out;
  for (const auto& [_, ss] : parts_.table.services())
    for (const auto& [__, d] : ss.dests) {
      if (!d.hop) continue;
      const std::pair hop{d.hop->hop, d.hop->link};
      if (!wanted.insert(hop).second) continue;
      auto last = pinged_.find(hop);
      if (!d.hop->resolved || last == pinged_.end() || now - last->second >= kKeepAlivePing) {
        pinged_[hop] = now;
        out.push_back(hop);
      }
    }
  std::erase_if(pinged_, [&](const auto& p) { return !wanted.contains(p.first); });
  return out;
}

void Refresher::loop() {
  const auto log = [&](std::string_view msg, const char* error) {
    if (parts_.log) parts_.log(msg, {{"error", error}});
  };
  std::unique_lock lock(parts_.mu);
  auto next_walk = Clock::now();
  while (!stop_) {
    if (!net_changed_)
      wake_.wait_for(lock, parts_.table.resolving() ? kResolvingPeriod : kRefreshPeriod);
    if (stop_) break;
    net_changed_ = false;
    // The tracker keeps the routes that decide these addresses' next hops.
    std::set<IPAddr> destinations;
    for (const auto& [_, ss] : parts_.table.services())
      for (const auto& [addr, __] : ss.dests) destinations.insert(addr);
    // The slow reads happen without the lock, so that API calls are not held up by them.
    lock.unlock();
    std::optional<NetSnapshot> snapshot;
    try {
      if (parts_.tracker.update(destinations)) snapshot = parts_.tracker.snapshot();
    } catch (const Error& e) {
      log("netlink dump failed", e.what());
    }
    std::optional<ActiveCounts> active;
    if (Clock::now() >= next_walk) {
      next_walk = Clock::now() + kActiveWalk;
      try {
        active = parts_.active.count(monotonic_ns());
      } catch (const Error& e) {
        log("counting active connections failed", e.what());
      }
    }
    lock.lock();
    if (stop_) break;
    try {
      parts_.heartbeat();
      if (snapshot) {
        parts_.paths.net = std::move(*snapshot);
        parts_.table.commit_all();
      }
      if (active) parts_.table.store_active(*active);
      for (const auto& [hop, link] : hops_to_ping(Clock::now())) parts_.pinger.ping(hop, link);
    } catch (const Error& e) {
      log("refresh failed", e.what());
    }
  }
}

}  // namespace xvs::detail
