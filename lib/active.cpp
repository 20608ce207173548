// SPDX-License-Identifier: Apache-2.0
#include "active.hpp"

#include <bpf/bpf.h>

#include <cerrno>
#include <vector>

namespace xvs::detail {
namespace {

// Entries per batched lookup; doubled when one hash bucket holds more (ENOSPC).
constexpr std::uint32_t kBatch = 4096;
constexpr std::uint32_t kMaxBatch = 1u << 20;

}  // namespace

ActiveFlows::ActiveFlows(const Dataplane& dp) : flows_fd_(dp.map_fd("flows")) {}

ActiveCounts ActiveFlows::count(std::uint64_t now_ns, std::uint64_t idle_ns) const {
  ActiveCounts out;
  std::uint32_t batch = kBatch;
  std::vector<xvs_flow_key> keys(batch);
  std::vector<xvs_flow> values(batch);
  // The position token is opaque; a key's size is enough for every map type.
  xvs_flow_key position{}, next{};
  bool first = true;
  for (;;) {
    std::uint32_t n = batch;
    const int err = bpf_map_lookup_batch(flows_fd_, first ? nullptr : &position, &next,
                                         keys.data(), values.data(), &n, nullptr);
    const int e = err != 0 ? errno : 0;
    if (e == ENOSPC && batch < kMaxBatch) {  // nothing was returned: retry, larger
      batch *= 2;
      keys.resize(batch);
      values.resize(batch);
      continue;
    }
    if (e != 0 && e != ENOENT) throw_system("reading map flows", e);
    for (std::uint32_t i = 0; i < n; ++i) {
      const xvs_flow& f = values[i];
      // The data plane's coarse clock may be a tick ahead of or behind ours.
      if (f.seen_ns >= now_ns || now_ns - f.seen_ns <= idle_ns) out[{f.dest, f.generation}]++;
    }
    if (e == ENOENT) return out;  // that was the last batch
    position = next;
    first = false;
  }
}

}  // namespace xvs::detail
