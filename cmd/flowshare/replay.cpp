// SPDX-License-Identifier: Apache-2.0
#include "replay.hpp"

namespace flowshare {

bool ReplayWindow::accept(std::uint64_t sequence, std::uint64_t now_ns) {
  const std::uint64_t distance = sequence > now_ns ? sequence - now_ns : now_ns - sequence;
  if (distance > kFreshNs) return false;
  if (sequence > highest_) {
    const std::uint64_t shift = sequence - highest_;
    seen_ = shift >= kWindow ? 0 : seen_ << shift;
    seen_ |= 1;
    highest_ = sequence;
    return true;
  }
  const std::uint64_t age = highest_ - sequence;
  if (age >= kWindow) return false;
  const std::uint64_t bit = std::uint64_t{1} << age;
  if (seen_ & bit) return false;
  seen_ |= bit;
  return true;
}

}  // namespace flowshare
