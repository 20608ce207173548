// SPDX-License-Identifier: Apache-2.0
// Estimates open connections per destination by walking the flow table: a flow counts while
// its last packet is recent (docs/dataplane.md, "Active connections"). No per-packet cost:
// the data plane already refreshes seen_ns about once a second on a flow's packets.
#pragma once

#include <cstdint>
#include <map>
#include <utility>

#include "dataplane/dataplane.hpp"
#include "dataplane/flow_table.hpp"

namespace xvs::detail {

// A flow idle longer than this is no longer counted.
inline constexpr std::uint64_t kActiveIdleNs = 12'000'000'000;

// (destination index, generation) -> number of recent flows naming it.
using ActiveCounts = std::map<std::pair<std::uint16_t, std::uint32_t>, std::uint32_t>;

class ActiveFlows {
public:
  explicit ActiveFlows(const Dataplane&);

  // Flows whose seen_ns is at most `idle_ns` before `now_ns` (CLOCK_MONOTONIC), read from the
  // mapped table.
  ActiveCounts count(std::uint64_t now_ns, std::uint64_t idle_ns = kActiveIdleNs) const;

private:
  FlowTable table_;
};

}  // namespace xvs::detail
