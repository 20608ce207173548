// SPDX-License-Identifier: Apache-2.0
// Info.latency as a recent average, like xvs's: the data plane only keeps totals since it
// was loaded (time and count of the sampled packets), so the refresher records them once
// per refresh and the average is taken over the records of the last window.
#pragma once

#include <cstdint>
#include <deque>

namespace xvs::detail {

class LatencyWindow {
public:
  static constexpr std::uint64_t kWindowNs = 10'000'000'000;  // docs/api.md

  // The data plane's totals at `now_ns` (CLOCK_MONOTONIC).
  void record(std::uint64_t now_ns, std::uint64_t total_ns, std::uint64_t samples) {
    records_.push_back({now_ns, total_ns, samples});
    // Keep one record at least a window old: the base the average is taken from.
    while (records_.size() > 2 && now_ns - records_[1].at_ns >= kWindowNs) records_.pop_front();
  }

  // Mean ns per sampled packet between the window's base and these totals; 0 when no
  // packet was sampled since then. Before the first record, the mean since loading.
  std::uint64_t average(std::uint64_t total_ns, std::uint64_t samples) const {
    const Record base = records_.empty() ? Record{} : records_.front();
    if (samples <= base.samples || total_ns < base.total_ns) return 0;
    return (total_ns - base.total_ns) / (samples - base.samples);
  }

private:
  struct Record {
    std::uint64_t at_ns = 0, total_ns = 0, samples = 0;
  };
  std::deque<Record> records_;
};

}  // namespace xvs::detail
