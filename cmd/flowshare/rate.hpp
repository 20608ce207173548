// SPDX-License-Identifier: Apache-2.0
// A token bucket: `rate` datagrams per second, bursts up to `burst`. One per peer, so a
// peer (or someone with its address and key) cannot make the receiver do unbounded work.
#pragma once

#include <algorithm>
#include <cstdint>

namespace flowshare {

class TokenBucket {
public:
  TokenBucket(double rate, double burst) : rate_(rate), burst_(burst), tokens_(burst) {}

  // Takes one token at `now_ns` if there is one.
  bool take(std::uint64_t now_ns) {
    if (last_ns_ != 0 && now_ns > last_ns_)
      tokens_ = std::min(burst_, tokens_ + rate_ * static_cast<double>(now_ns - last_ns_) / 1e9);
    last_ns_ = now_ns;
    if (tokens_ < 1) return false;
    tokens_ -= 1;
    return true;
  }

private:
  double rate_, burst_, tokens_;
  std::uint64_t last_ns_ = 0;
};

}  // namespace flowshare
