// SPDX-License-Identifier: Apache-2.0
#include "dataplane/metrics.hpp"

#include <array>

namespace xvs::detail {

namespace {

// Indexed by enum xvs_reason; the size check catches a reason added to abi.h only.
constexpr std::array<const char*, XVS_REASONS> kReasonNames{
    "not_ip", "not_a_vip", "watchdog", "probe_reply",  // passed to the host
    "forwarded", "icmp_echo_request", "too_big",       // handled
    "err_malformed", "err_fragmented", "err_ttl_expired", "err_ip_options", "err_protocol",
    "err_icmp", "err_no_service", "err_no_backend", "err_not_ready", "err_internal",
    "err_tunnel",
    "err_icmp_truncated", "err_icmp_quote", "err_icmp_source", "err_icmp_protocol",  // too-big
    "err_icmp_no_service", "err_icmp_mtu",                                           // ICMP
};
static_assert(XVS_R_ERR_ICMP_MTU + 1 == XVS_REASONS, "name every reason in kReasonNames");

}  // namespace

Metrics counters_metrics(const xvs_counters& c) {
  return {{"packets", c.packets}, {"octets", c.octets}, {"flows", c.flows},
          {"errors", c.errors},   {"syn", c.syn},       {"ack", c.ack},
          {"fin", c.fin},         {"rst", c.rst},
          // xvs's per-service keys: counted only globally here (err_tunnel, too_big).
          {"tunnel_unsupported", 0}, {"too_big", 0}, {"adjust_failed", 0}};
}

void add_xvs_global_metrics(Metrics& m) {
  // xvs key -> ours; nullptr: folded into another counter here (err_tot_len and the header
  // checks into err_malformed, adjust_failed into err_internal) or not applicable.
  static constexpr std::pair<const char*, const char*> kAliases[] = {
      {"err_tot_len", nullptr},
      {"err_l4_unsupported", "err_protocol"},
      {"err_icmp_unsupported", "err_icmp"},
      {"err_service_not_found", "err_no_service"},
      {"err_backend_invalid", "err_not_ready"},
      {"err_no_tunnel_port", nullptr},  // refused by the API (validate_destination)
      {"err_expired", "err_ttl_expired"},
      {"err_adjust_failed", nullptr},
      {"err_tunnel_unsupported", "err_tunnel"},
      {"err_tcp_header", nullptr},
      {"err_udp_header", nullptr},
      {"err_icmp_header", nullptr},
      {"err_cve_2025_37799", nullptr},
      {"userspace", "watchdog"},
  };
  for (const auto& [theirs, ours] : kAliases) {
    const auto it = ours ? m.find(ours) : m.end();
    m[theirs] = it == m.end() ? 0 : it->second;
  }
}

const char* reason_name(std::uint32_t reason) noexcept {
  return reason < kReasonNames.size() ? kReasonNames[reason] : nullptr;
}

std::uint64_t average_latency_ns(const xvs_reasons& r) noexcept {
  return r.latency_samples ? r.latency_ns / r.latency_samples : 0;
}

void add_reason_metrics(Metrics& m, const xvs_reasons& r) {
  for (std::uint32_t i = 0; i < XVS_REASONS; ++i) m[kReasonNames[i]] = r.count[i];
  m["latency_ns"] = average_latency_ns(r);
  m["latency_samples"] = r.latency_samples;
}

}  // namespace xvs::detail
