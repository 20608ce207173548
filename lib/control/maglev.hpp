// SPDX-License-Identifier: Apache-2.0
// Maglev consistent hashing (Eisenbud et al., NSDI 2016) as a pure function.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace xvs::detail {

struct MaglevBackend {
  std::array<std::uint8_t, 16> key{};  // identity: the backend's address bytes
  std::uint16_t weight = 1;            // 0 = takes no slots
};

// A lookup table of `size` slots (a power of two), each holding an index into `backends`.
// The result depends only on the set of (key, weight) pairs, not on their order, so every
// balancer given the same backends builds the same table. Empty when no backend has weight.
std::vector<std::uint16_t> maglev_table(std::span<const MaglevBackend> backends,
                                        std::size_t size);

}  // namespace xvs::detail
