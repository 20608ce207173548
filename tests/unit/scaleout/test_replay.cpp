// SPDX-License-Identifier: Apache-2.0
// The replay window and the per-peer rate limit of flow sharing.
#include <catch2/catch.hpp>

#include "flowshare/rate.hpp"
#include "flowshare/replay.hpp"

using flowshare::ReplayWindow;
using flowshare::TokenBucket;

namespace {
constexpr std::uint64_t now = 1'800'000'000'000'000'000;  // a wall clock in ns
}

TEST_CASE("each sequence number is accepted once") {
  ReplayWindow w;
  CHECK(w.accept(now, now));
  CHECK_FALSE(w.accept(now, now));
  CHECK(w.accept(now + 1, now));
  CHECK_FALSE(w.accept(now + 1, now));
  CHECK_FALSE(w.accept(now, now));
}

TEST_CASE("reordering within the window is accepted, older numbers are not") {
  ReplayWindow w;
  CHECK(w.accept(now + 100, now));
  CHECK(w.accept(now + 90, now));   // late but within 64
  CHECK_FALSE(w.accept(now + 90, now));
  CHECK(w.accept(now + 37, now));   // age 63: the window's last slot
  CHECK_FALSE(w.accept(now + 36, now));  // age 64: too old to tell, refused
  CHECK(w.accept(now + 1000, now));  // a jump clears the window
  CHECK_FALSE(w.accept(now + 100, now));
}

TEST_CASE("numbers far from the receiver's clock are refused (replay after a restart)") {
  ReplayWindow fresh;  // a receiver that has just started knows no history
  CHECK_FALSE(fresh.accept(now - ReplayWindow::kFreshNs - 1, now));
  CHECK_FALSE(fresh.accept(now + ReplayWindow::kFreshNs + 1, now));
  CHECK(fresh.accept(now - ReplayWindow::kFreshNs + 1, now));
}

TEST_CASE("a restarted sender numbers above its old numbers and is accepted") {
  ReplayWindow w;
  CHECK(w.accept(now, now));
  for (std::uint64_t i = 1; i < 1000; ++i) REQUIRE(w.accept(now + i, now));
  CHECK(w.accept(now + 2'000'000'000, now + 2'000'000'000));  // restarted two seconds later
}

TEST_CASE("a token bucket gives a burst, then its rate") {
  TokenBucket b(1000, 10);  // 1000 per second, bursts of 10
  std::uint64_t t = 1'000'000'000;
  int taken = 0;
  for (int i = 0; i < 100; ++i) taken += b.take(t);
  CHECK(taken == 10);
  t += 5'000'000;  // 5 ms: 5 tokens
  taken = 0;
  for (int i = 0; i < 100; ++i) taken += b.take(t);
  CHECK(taken == 5);
  t += 60'000'000'000;  // a long pause refills to the burst only
  taken = 0;
  for (int i = 0; i < 100; ++i) taken += b.take(t);
  CHECK(taken == 10);
}
