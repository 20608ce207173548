// SPDX-License-Identifier: Apache-2.0
// Allocator of small integer slots (counter and map indices) in [first, last].
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace xvs::detail {

class Slots {
public:
  Slots(std::uint32_t first, std::uint32_t last) : next_(first), last_(last) {}

  // Lowest released slot first, so indices stay dense; nullopt when all are taken.
  std::optional<std::uint32_t> take() {
    if (!free_.empty()) {
      std::uint32_t s = free_.back();
      free_.pop_back();
      return s;
    }
    if (next_ > last_) return std::nullopt;
    return next_++;
  }
  void release(std::uint32_t s) { free_.push_back(s); }
  std::uint32_t available() const {
    return static_cast<std::uint32_t>(free_.size()) + (next_ > last_ ? 0 : last_ - next_ + 1);
  }

private:
  std::uint32_t next_, last_;
  std::vector<std::uint32_t> free_;
};

}  // namespace xvs::detail
