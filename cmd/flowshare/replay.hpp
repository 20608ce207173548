// SPDX-License-Identifier: Apache-2.0
// Replay protection for one peer: a sender numbers its datagrams from its wall clock at start
// (nanoseconds since the epoch) upwards, so a restarted sender continues above its old
// numbers. A receiver accepts each number once, within a sliding window of the highest seen
// (reordering tolerated), and only when it is near its own clock (a datagram recorded earlier
// cannot be replayed to a receiver that has since restarted and forgotten the window).
#pragma once

#include <cstdint>

namespace flowshare {

class ReplayWindow {
public:
  static constexpr unsigned kWindow = 64;               // datagrams of reordering accepted
  static constexpr std::uint64_t kFreshNs = 30'000'000'000;  // |sequence - now| allowed

  // True, and remembers `sequence`, when it is new and fresh at `now_ns`.
  bool accept(std::uint64_t sequence, std::uint64_t now_ns);

private:
  std::uint64_t highest_ = 0;
  std::uint64_t seen_ = 0;  // bit i: highest_ - i was accepted
};

}  // namespace flowshare
