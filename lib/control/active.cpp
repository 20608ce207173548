// SPDX-License-Identifier: Apache-2.0
#include "control/active.hpp"

namespace xvs::detail {

ActiveFlows::ActiveFlows(const Dataplane& dp) : table_(dp.map_fd("flows")) {}

ActiveCounts ActiveFlows::count(std::uint64_t now_ns, std::uint64_t idle_ns) const {
  ActiveCounts out;
  table_.for_each([&](const xvs_flow_entry& f) {
    if (f.state == XVS_FLOW_PEER) return;  // a peer's flow, no packet here yet
    // The data plane's coarse clock may be a tick ahead of or behind ours.
    if (f.seen_ns >= now_ns || now_ns - f.seen_ns <= idle_ns) out[{f.dest, f.generation}]++;
  });
  return out;
}

}  // namespace xvs::detail
