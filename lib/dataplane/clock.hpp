// SPDX-License-Identifier: Apache-2.0
// The data plane's clock: CLOCK_MONOTONIC in nanoseconds, the time base of the heartbeat,
// flow entries' seen_ns and queued flow events (bpf_ktime_get_ns reads the same clock).
#pragma once

#include <ctime>

#include <cstdint>

namespace xvs::detail {

inline std::uint64_t monotonic_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ull +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

}  // namespace xvs::detail
