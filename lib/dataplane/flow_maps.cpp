// SPDX-License-Identifier: Apache-2.0
#include "dataplane/flow_maps.hpp"

#include <bpf/bpf.h>

#include <cerrno>

#include <fmt/format.h>
#include <xvs/error.hpp>

#include "dataplane/entries.hpp"

namespace xvs::detail {

namespace {

// pin_state is rewritten once per this many generations, not on every new destination.
constexpr std::uint32_t kGenerationBlock = 4096;

void update(int fd, const void* key, const void* value, const std::string& what) {
  if (bpf_map_update_elem(fd, key, value, BPF_ANY) != 0) throw_system(what, errno);
}

xvs_backend_key backend_key(const Service& s, const IPAddr& backend) noexcept {
  xvs_backend_key k{};
  k.service = service_key(s);
  k.addr = to_abi(backend);
  return k;
}

}  // namespace

FlowMaps::FlowMaps(const Dataplane& dp)
    : queue_fd_(dp.map_fd("flow_queue")),
      backends_fd_(dp.map_fd("backends")),
      counters_fd_(dp.map_fd("share_counters")),
      state_fd_(dp.map_fd("pin_state")),
      table_(dp.map_fd("flows"), dp.map_fd("flow_backends")),
      cpus_(Dataplane::possible_cpus()) {
  const std::uint32_t key = 0;
  xvs_pin_state state{};
  if (bpf_map_lookup_elem(state_fd_, &key, &state) != 0)
    throw_system("reading map pin_state", errno);
  if (state.layout == 0) {
    state.layout = XVS_PIN_LAYOUT;
    update(state_fd_, &key, &state, "writing map pin_state");
  }
  reserved_ = state.generation;
}

std::optional<xvs_flow_event> FlowMaps::pop_recent(std::uint64_t now_ns,
                                                   std::uint64_t max_age_ns) {
  xvs_flow_event e{};
  while (bpf_map_lookup_and_delete_elem(queue_fd_, nullptr, &e) == 0) {
    // The data plane's coarse clock may lag CLOCK_MONOTONIC a little: not an age.
    if (e.time_ns >= now_ns || now_ns - e.time_ns <= max_age_ns) return e;
    expired_.fetch_add(1, std::memory_order_relaxed);
  }
  if (errno != ENOENT) throw_system("reading map flow_queue", errno);
  return std::nullopt;
}

void FlowMaps::set_shared(const xvs_flow_key& key, const IPAddr& backend, std::uint16_t index,
                          std::uint32_t generation, std::uint64_t now_ns) {
  table_.name_backend(generation, to_abi(backend));
  table_.put_peer(key, index, generation, now_ns);
}

void FlowMaps::bind_backend(const Service& s, const IPAddr& backend, std::uint16_t index,
                            std::uint32_t generation) {
  const xvs_backend_key key = backend_key(s, backend);
  const xvs_backend value{generation, index, 0};
  update(backends_fd_, &key, &value, fmt::format("writing backend {} into map backends", backend));
  table_.name_backend(generation, to_abi(backend));
}

void FlowMaps::unbind_backend(const Service& s, const IPAddr& backend) noexcept {
  const xvs_backend_key key = backend_key(s, backend);
  bpf_map_delete_elem(backends_fd_, &key);
}

void FlowMaps::reserve_generation(std::uint32_t g) {
  if (g <= reserved_) return;
  const std::uint32_t key = 0;
  const xvs_pin_state state{XVS_PIN_LAYOUT, g + kGenerationBlock};
  update(state_fd_, &key, &state, "writing map pin_state");
  reserved_ = state.generation;
}

xvs_share_counters FlowMaps::counters() const {
  return sum_percpu<xvs_share_counters>(counters_fd_, 0, cpus_, "share_counters");
}

void FlowMaps::add_metrics(Metrics& m) const {
  const xvs_share_counters c = counters();
  m["flows_queued"] = c.queued;
  m["flow_queue_full"] = c.queue_full;
  m["flows_expired"] = expired_.load(std::memory_order_relaxed);
  m["flow_records_refused"] = refused_.load(std::memory_order_relaxed);
  m["shared_hits"] = c.shared_hits;
  m["flows_rebound"] = c.rebound;
  m["flows_refused"] = c.refused;
}

}  // namespace xvs::detail
