// SPDX-License-Identifier: Apache-2.0
// The data plane's flow table ("flows", bpf/flow_table.h) as the control plane sees it:
// mapped into this process, read and written entry by entry with the layout and the
// placement rules of bpf/abi.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>

#include "../../bpf/abi.h"

// A flow entry with the backend its generation was given to ("flow_backends"; zero when
// that map has none).
struct xvs_flow {
  std::uint32_t generation = 0;
  std::uint16_t dest = 0;
  std::uint8_t state = XVS_FLOW_ESTABLISHED;
  std::uint64_t seen_ns = 0;
  xvs_addr backend{};
};

namespace xvs::detail {

class FlowTable {
public:
  // `flows` and `flow_backends` are the maps' descriptors (kept by their owner); without
  // `flow_backends` (-1) backends are neither read nor written.
  explicit FlowTable(int flows, int flow_backends = -1);
  ~FlowTable();
  FlowTable(const FlowTable&) = delete;
  FlowTable& operator=(const FlowTable&) = delete;

  std::uint32_t buckets() const noexcept { return buckets_; }

  // This node's entry of the flow (new or established; not a peer's).
  std::optional<xvs_flow> find(const xvs_flow_key&) const;
  // The state of the flow's entry, a peer's included; XVS_FLOW_FREE when it has none.
  std::uint8_t state(const xvs_flow_key&) const;
  // Writes the flow as the data plane would insert it (its own entry, else the bucket's
  // best victim, even a protected one), and names its backend in "flow_backends". For tests
  // and tools that set up a table.
  void put(const xvs_flow_key&, const xvs_flow&);
  // A peer's flow (XVS_FLOW_PEER). This node's own entry of the key wins: false, nothing
  // written, as when every entry of the bucket is protected.
  bool put_peer(const xvs_flow_key&, std::uint16_t dest, std::uint32_t generation,
                std::uint64_t now_ns);
  // Generation `g` was given to `backend` (flow entries naming it can be re-bound).
  void name_backend(std::uint32_t g, const xvs_addr& backend);

  // Every entry in use, in table order.
  void for_each(const std::function<void(const xvs_flow_entry&)>&) const;
  std::size_t count(std::uint8_t state) const;  // entries in that state

private:
  xvs_flow_entry* bucket(const xvs_flow_key&) const;
  xvs_flow_entry* victim(const xvs_flow_key&, std::uint64_t now_ns, bool even_kept) const;

  int backends_fd_;
  std::uint32_t entries_ = 0, buckets_ = 0;
  std::size_t bytes_ = 0;
  xvs_flow_entry* table_ = nullptr;
};

}  // namespace xvs::detail
