// SPDX-License-Identifier: Apache-2.0
// Info.latency is the mean over the last window, not since the data plane was loaded.
#include <catch2/catch.hpp>

#include "control/latency_window.hpp"

using xvs::detail::LatencyWindow;

namespace {
constexpr std::uint64_t kSecond = 1'000'000'000;
}

TEST_CASE("latency: before any record, the mean since loading") {
  LatencyWindow w;
  CHECK(w.average(0, 0) == 0);
  CHECK(w.average(5000, 10) == 500);
}

TEST_CASE("latency: a slow past leaves the window once it is older than the window") {
  LatencyWindow w;
  // 100 packets at 1000 ns each during the first second, then 50 ns each, 100 a second.
  std::uint64_t total = 100 * 1000, samples = 100;
  w.record(1 * kSecond, total, samples);
  for (std::uint64_t t = 2; t <= 30; ++t) {
    total += 100 * 50;
    samples += 100;
    w.record(t * kSecond, total, samples);
  }
  CHECK(w.average(total, samples) == 50);
  // Since loading it would still be (100 * 1000 + 2900 * 50) / 3000 = 81.
  CHECK((total / samples) == 81);
}

TEST_CASE("latency: the window covers at least its length, and only that") {
  LatencyWindow w;
  for (std::uint64_t t = 0; t <= 20; ++t) w.record(t * kSecond, t * 1000, t * 10);
  // Totals grow by 1000 ns over 10 samples a second: 100 ns each whatever the base.
  CHECK(w.average(20 * 1000, 200) == 100);
  // A change in the last second moves the mean by a tenth of it, not a twentieth.
  CHECK(w.average(20 * 1000 + 10 * 1100, 210) == (10 * 1000 + 10 * 1100) / 110);
}

TEST_CASE("latency: no packet sampled in the window is 0, and counters that went back too") {
  LatencyWindow w;
  w.record(kSecond, 1000, 10);
  CHECK(w.average(1000, 10) == 0);
  CHECK(w.average(500, 5) == 0);
}
