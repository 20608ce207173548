// SPDX-License-Identifier: Apache-2.0
// The data plane's counters as Metrics with stable lower-case names (docs/dataplane.md).
#pragma once

#include <cstdint>

#include <xvs/types.hpp>

#include "../../bpf/abi.h"

namespace xvs::detail {

// packets, octets, flows, errors, syn, ack, fin, rst; and xvs's tunnel_unsupported, too_big,
// adjust_failed, which this data plane counts only globally (as reasons), so 0 here.
Metrics counters_metrics(const xvs_counters&);

// One key per enum xvs_reason (reason_name), plus latency_ns (average per sampled packet)
// and latency_samples.
void add_reason_metrics(Metrics&, const xvs_reasons&);

// The global keys of xvs v0.2.10 (err_*, userspace) from our reasons, for dashboards built
// on xvs; call after add_reason_metrics. docs/migrating-from-xvs.md lists the mapping.
void add_xvs_global_metrics(Metrics&);

// "not_a_vip", "err_fragmented", ...; nullptr when out of range.
const char* reason_name(std::uint32_t reason) noexcept;

// Average data-plane nanoseconds per sampled packet, 0 before any sample.
std::uint64_t average_latency_ns(const xvs_reasons&) noexcept;

}  // namespace xvs::detail
