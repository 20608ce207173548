// SPDX-License-Identifier: Apache-2.0
// The counters of the four levels (global > VIP > service > destination) from a data plane
// that counts each packet once, in the most specific slot it reached (bpf/counters.h): one
// slot written per packet instead of four, the levels added up here when they are read.
//
// A level reads as its own slot, plus what the levels linked below it counted since they were
// linked, plus what slots that left it (reset, or linked elsewhere) had counted there, minus
// what it read at its own last reset. So
// a level never goes backwards while destinations, services and VIPs come and go and their
// slots are reused: a slot that is reset or moves to another parent leaves its count with
// the parent it had.
//
// The links are the ones the data-plane entries name: a destination entry its service's
// slot, a service entry its VIP's, and every VIP is under the global slot. An entry that is
// cleared or erased keeps its link until its slot is reset or linked anew, so packets still
// in flight to a removed destination count at its service, as they did when the data plane
// counted every level itself. Not thread-safe, like the Dataplane that owns it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>

#include "../../bpf/abi.h"

namespace xvs::detail {

xvs_counters& operator+=(xvs_counters&, const xvs_counters&);
xvs_counters& operator-=(xvs_counters&, const xvs_counters&);

class CounterLevels {
public:
  // Reads one slot of the data plane, summed over CPUs.
  using ReadSlot = std::function<xvs_counters(std::uint32_t slot)>;
  explicit CounterLevels(ReadSlot read) : read_(std::move(read)) {}

  // `child` counts into `parent` from now on (nothing when it already does). A child that
  // counted into another parent leaves its count there; its own reading goes on.
  void link(std::uint32_t child, std::uint32_t parent);
  // The level of `slot` reads 0 from now on; its parent keeps what it had counted.
  void reset(std::uint32_t slot);
  // The level's counters since its last reset: its slot and everything below it.
  xvs_counters read(std::uint32_t slot) const;

private:
  static constexpr std::uint32_t kNone = ~0u;
  struct Level {
    std::uint32_t parent = kNone;
    std::set<std::uint32_t> children;
    xvs_counters kept{};       // what children counted here before a reset or a move
    xvs_counters zero{};       // total() at the last reset
    xvs_counters linked_at{};  // read() when linked to its parent
  };
  xvs_counters total(std::uint32_t slot) const;  // read() + zero: never goes backwards
  xvs_counters since_linked(std::uint32_t child) const;  // what it adds to its parent
  void leave_parent(std::uint32_t slot);

  ReadSlot read_;
  std::map<std::uint32_t, Level> levels_;  // slots ever linked or reset
};

}  // namespace xvs::detail
