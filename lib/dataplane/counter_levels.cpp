// SPDX-License-Identifier: Apache-2.0
#include "dataplane/counter_levels.hpp"

#include <array>
#include <cstring>

namespace xvs::detail {

namespace {

// xvs_counters is made of 64-bit counters only (abi.h): combined word by word. Unsigned
// arithmetic wraps, so a difference taken before a sum is still exact.
template <typename Op>
xvs_counters& combine(xvs_counters& a, const xvs_counters& b, Op op) {
  constexpr std::size_t n = sizeof(xvs_counters) / sizeof(std::uint64_t);
  std::array<std::uint64_t, n> x, y;
  std::memcpy(x.data(), &a, sizeof a);
  std::memcpy(y.data(), &b, sizeof b);
  for (std::size_t i = 0; i < n; ++i) x[i] = op(x[i], y[i]);
  std::memcpy(&a, x.data(), sizeof a);
  return a;
}

}  // namespace

xvs_counters& operator+=(xvs_counters& a, const xvs_counters& b) {
  return combine(a, b, [](std::uint64_t x, std::uint64_t y) { return x + y; });
}

xvs_counters& operator-=(xvs_counters& a, const xvs_counters& b) {
  return combine(a, b, [](std::uint64_t x, std::uint64_t y) { return x - y; });
}

xvs_counters CounterLevels::total(std::uint32_t slot) const {
  xvs_counters sum = read_(slot);
  const auto it = levels_.find(slot);
  if (it == levels_.end()) return sum;
  sum += it->second.kept;
  for (std::uint32_t child : it->second.children) sum += since_linked(child);
  return sum;
}

xvs_counters CounterLevels::since_linked(std::uint32_t child) const {
  xvs_counters c = read(child);
  c -= levels_.at(child).linked_at;
  return c;
}

xvs_counters CounterLevels::read(std::uint32_t slot) const {
  xvs_counters c = total(slot);
  if (const auto it = levels_.find(slot); it != levels_.end()) c -= it->second.zero;
  return c;
}

void CounterLevels::leave_parent(std::uint32_t slot) {
  Level& l = levels_[slot];
  if (l.parent == kNone) return;
  const xvs_counters c = since_linked(slot);
  Level& parent = levels_[l.parent];
  parent.kept += c;
  parent.children.erase(slot);
  l.parent = kNone;
}

void CounterLevels::link(std::uint32_t child, std::uint32_t parent) {
  if (levels_[child].parent == parent) return;
  leave_parent(child);
  const xvs_counters at = read(child);
  levels_[parent].children.insert(child);
  Level& l = levels_[child];
  l.parent = parent;
  l.linked_at = at;
}

void CounterLevels::reset(std::uint32_t slot) {
  const xvs_counters t = total(slot);
  Level& l = levels_[slot];
  if (l.parent != kNone) {
    xvs_counters c = t;
    c -= l.zero;
    c -= l.linked_at;
    levels_[l.parent].kept += c;
  }
  l.zero = t;
  l.linked_at = {};
}

}  // namespace xvs::detail
