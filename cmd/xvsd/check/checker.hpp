// SPDX-License-Identifier: Apache-2.0
// The health checker: one thread, one epoll loop, every probe non-blocking. HTTP and HTTPS go
// through libcurl's multi interface (its sockets and timers driven by the same loop), SYN
// checks are non-blocking connects, DNS checks are one UDP datagram or one TCP exchange.
// Thousands of checks run without a thread each.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "check/probe.hpp"

namespace xvsd {

struct CheckJob {
  std::uint64_t id = 0;         // chosen by the caller; stable across set() calls
  Probe probe;
  std::chrono::milliseconds interval{2000};
};

class Checker {
public:
  // Called on the checker's thread after each probe of a job still configured.
  using Callback = std::function<void(std::uint64_t id, const ProbeResult&)>;

  explicit Checker(Callback callback);
  ~Checker();  // stops the thread; probes in flight are abandoned
  Checker(const Checker&) = delete;
  Checker& operator=(const Checker&) = delete;

  // The jobs to run from now on. A job whose id was already running keeps its schedule
  // (its new probe applies from its next run); ids not listed stop.
  void set(std::vector<CheckJob> jobs);

  std::uint64_t completed() const { return completed_.load(); }

  class Loop;

private:
  std::atomic<std::uint64_t> completed_{0};
  std::unique_ptr<Loop> loop_;
};

}  // namespace xvsd
