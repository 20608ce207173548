// SPDX-License-Identifier: Apache-2.0
// The data plane's maps for flow sharing and restarts (docs/flows.md): the queue that
// read_flow() drains, the flow table's peer entries that write_flow() fills, the backend of
// each generation and the (service, backend address) index that flow entries are re-bound
// with, and the generation floor in pin_state.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>

#include <xvs/address.hpp>
#include <xvs/types.hpp>

#include "../../bpf/abi.h"
#include "dataplane/dataplane.hpp"
#include "dataplane/flow_table.hpp"

namespace xvs::detail {

// Queued flows older than this are skipped by read_flow(): their flow may be long gone.
inline constexpr std::uint64_t kFlowEventMaxAgeNs = 5'000'000'000;

class FlowMaps {
public:
  // Marks a pin_state just created (layout 0) with XVS_PIN_LAYOUT.
  explicit FlowMaps(const Dataplane&);

  // The oldest queued flow no older than `max_age_ns` at `now_ns` (CLOCK_MONOTONIC); older
  // ones are dropped and counted. nullopt when the queue is empty. Thread-safe.
  std::optional<xvs_flow_event> pop_recent(std::uint64_t now_ns,
                                           std::uint64_t max_age_ns = kFlowEventMaxAgeNs);

  // A peer's flow, bound to this process's destination `index` / `generation`. Not stored
  // when this node has its own entry of the flow, or every entry of its bucket is a live
  // established flow.
  void set_shared(const xvs_flow_key&, const IPAddr& backend, std::uint16_t index,
                  std::uint32_t generation, std::uint64_t now_ns);

  // Destination `index` / `generation` is `backend` of service `s`: flow entries naming
  // an older numbering find it again (xvs_entry_dest in bpf/share.h).
  void bind_backend(const Service& s, const IPAddr& backend, std::uint16_t index,
                    std::uint32_t generation);
  void unbind_backend(const Service& s, const IPAddr& backend) noexcept;

  // Generations a kept flow entry may name are all at most this: a client numbers above it.
  std::uint32_t generation_floor() const noexcept { return reserved_; }
  // Generations up to `g` are given out; pin_state is written once per block of them.
  void reserve_generation(std::uint32_t g);

  xvs_share_counters counters() const;  // summed over CPUs
  // A record given to write_flow() was refused (malformed, forged or stale).
  void note_refused() noexcept { refused_.fetch_add(1, std::memory_order_relaxed); }

  // flows_queued, flow_queue_full, flows_expired, flow_records_refused, shared_hits,
  // flows_rebound, flows_refused.
  void add_metrics(Metrics&) const;

private:
  int queue_fd_, backends_fd_, counters_fd_, state_fd_;
  FlowTable table_;
  std::uint32_t cpus_;
  std::uint32_t reserved_ = 0;
  std::atomic<std::uint64_t> expired_{0};
  std::atomic<std::uint64_t> refused_{0};
};

}  // namespace xvs::detail
