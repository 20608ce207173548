// SPDX-License-Identifier: Apache-2.0
#include "control/telemetry.hpp"

#include <algorithm>

#include "dataplane/metrics.hpp"
#include "net/natns.hpp"

namespace xvs::detail {

namespace {

Stats stats_of(const xvs_counters& c) { return {c.flows, c.packets, c.octets}; }

std::uint64_t current(const ServiceState& ss) {
  std::uint64_t sum = 0;
  for (const auto& [_, d] : ss.dests) sum += d.active;
  return sum;
}

}  // namespace

DestinationExtended extended(const DestState& d, const Dataplane& dp) {
  DestinationExtended out;
  out.destination = d.config;
  out.active_connections = d.active;
  xvs_counters c = dp.counters(XVS_COUNTERS_DEST(d.index));
  out.stats = stats_of(c);
  out.metrics = counters_metrics(c);
  if (d.ready()) std::copy(d.entry.mac, d.entry.mac + 6, out.mac.begin());
  return out;
}

ServiceExtended extended(const ServiceState& ss, const Dataplane& dp) {
  ServiceExtended out;
  out.service = ss.config;
  xvs_counters c = dp.counters(XVS_COUNTERS_SERVICE(ss.slot));
  out.stats = stats_of(c);
  out.metrics = counters_metrics(c);
  out.metrics["current"] = current(ss);
  return out;
}

VIP vip_view(const IPAddr& addr, const VipState& v, const ServiceTable& table,
             const Dataplane& dp) {
  xvs_counters c = dp.counters(XVS_COUNTERS_VIP(v.slot));
  VIP out{addr, stats_of(c), counters_metrics(c)};
  std::uint64_t sum = 0;
  for (const auto& [_, ss] : table.services())
    if (ss.config.address == addr) sum += current(ss);
  out.metrics["current"] = sum;
  return out;
}

Info info_view(const Dataplane& dp, const FlowMaps& flows, const NatPairs& nat,
               const ServiceTable& table, const LatencyWindow& latency, bool nat_ipv6) {
  xvs_counters c = dp.counters(XVS_COUNTERS_GLOBAL);
  xvs_reasons r = dp.reasons();
  Info out;
  out.stats = stats_of(c);
  out.metrics = counters_metrics(c);
  add_reason_metrics(out.metrics, r);
  flows.add_metrics(out.metrics);
  out.ipv4 = nat_host_address(false);
  if (nat_ipv6) out.ipv6 = nat_host_address(true);
  nat.add_metrics(out.metrics);
  std::uint64_t all = 0;
  for (const auto& [_, ss] : table.services()) all += current(ss);
  out.metrics["current"] = all;
  add_xvs_global_metrics(out.metrics);
  out.latency = latency.average(r.latency_ns, r.latency_samples);
  return out;
}

}  // namespace xvs::detail
