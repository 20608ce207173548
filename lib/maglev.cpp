// SPDX-License-Identifier: Apache-2.0
// Maglev table construction (Eisenbud et al., "Maglev: A Fast and Reliable Software Network
// Load Balancer", NSDI 2016, section 3.4), with weights.
//
// The table is part of the wire contract between balancers: peers that share flows, and a
// balancer restarted with a new release, must build identical tables from the same backends.
// So everything below is fixed and documented, and the golden test in
// tests/unit/test_maglev.cpp pins it:
//  - backends are ordered by (key, weight), never by input order;
//  - each backend's permutation is slot(j) = (offset + j * skip) mod size, where
//      offset = H(key, seed 0x6d61676c65762d6f) mod size              ("maglev-o")
//      skip   = H(key, seed 0x6d61676c65762d73) mod size, made odd    ("maglev-s")
//    An odd skip is coprime with a power-of-two size, so every permutation visits all slots;
//  - H(key, seed) reads the 16 key bytes as two big-endian 64-bit words w0, w1 and returns
//    mix(mix(seed ^ w0) ^ w1), where mix is the SplitMix64 finaliser (Steele et al., 2014).
#include "maglev.hpp"

#include <xvs/error.hpp>

#include <algorithm>
#include <bit>
#include <limits>
#include <tuple>

#include <fmt/format.h>

namespace xvs::detail {
namespace {

constexpr std::uint64_t kOffsetSeed = 0x6d61676c65762d6fULL;
constexpr std::uint64_t kSkipSeed = 0x6d61676c65762d73ULL;
constexpr std::uint16_t kEmpty = std::numeric_limits<std::uint16_t>::max();

std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::uint64_t key_hash(const std::array<std::uint8_t, 16>& key, std::uint64_t seed) {
  std::uint64_t h = seed;
  for (std::size_t word = 0; word < 2; ++word) {
    std::uint64_t w = 0;
    for (std::size_t i = 0; i < 8; ++i) w = w << 8 | key[word * 8 + i];
    h = mix(h ^ w);
  }
  return h;
}

// One backend's walk through its permutation, generated lazily: `slot` is the next preferred
// slot, and `credit` accumulates its weight towards the next turn.
struct Walker {
  std::size_t slot;
  std::size_t skip;
  std::uint32_t weight;
  std::uint32_t credit;
  std::uint16_t index;  // position in the caller's input
};

}  // namespace

std::vector<std::uint16_t> maglev_table(std::span<const MaglevBackend> backends,
                                        std::size_t size) {
  if (!std::has_single_bit(size))
    throw Error(Errc::invalid_argument,
                fmt::format("Maglev table size {} is not a power of two", size));
  // kEmpty marks free slots, so the last u16 value cannot be an index.
  if (backends.size() > kEmpty)
    throw Error(Errc::invalid_argument,
                fmt::format("too many Maglev backends: {} (at most {})", backends.size(), kEmpty));

  std::vector<std::uint16_t> order;
  order.reserve(backends.size());
  for (std::size_t i = 0; i < backends.size(); ++i)
    if (backends[i].weight > 0) order.push_back(std::uint16_t(i));
  if (order.empty()) return {};
  // Input position breaks ties only between identical (key, weight) pairs, whose
  // permutations and turns are identical, so the table's keys do not depend on input order.
  std::sort(order.begin(), order.end(), [&](std::uint16_t a, std::uint16_t b) {
    const auto& x = backends[a];
    const auto& y = backends[b];
    return std::tie(x.key, x.weight, a) < std::tie(y.key, y.weight, b);
  });

  const std::size_t mask = size - 1;
  std::vector<Walker> walkers;
  walkers.reserve(order.size());
  std::uint32_t max_weight = 0;
  for (std::uint16_t i : order) {
    const auto& b = backends[i];
    walkers.push_back({std::size_t(key_hash(b.key, kOffsetSeed)) & mask,
                       (std::size_t(key_hash(b.key, kSkipSeed)) & mask) | 1, b.weight, 0, i});
    max_weight = std::max<std::uint32_t>(max_weight, b.weight);
  }

  // Weighted turns: each round every backend earns its weight in credit and takes one slot
  // when its credit reaches the largest weight (paying that much). After R rounds a backend
  // has taken floor(R * weight / max_weight) slots, so its share is weight / sum(weights)
  // within about one slot; with equal weights this is plain Maglev (one slot per backend per
  // round), so counts differ by at most one.
  std::vector<std::uint16_t> table(size, kEmpty);
  std::size_t filled = 0;
  for (;;) {
    for (Walker& w : walkers) {
      w.credit += w.weight;
      if (w.credit < max_weight) continue;
      w.credit -= max_weight;
      while (table[w.slot] != kEmpty) w.slot = (w.slot + w.skip) & mask;
      table[w.slot] = w.index;
      w.slot = (w.slot + w.skip) & mask;
      if (++filled == size) return table;
    }
  }
}

}  // namespace xvs::detail
