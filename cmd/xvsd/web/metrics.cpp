// SPDX-License-Identifier: Apache-2.0
#include "metrics.hpp"

#include <algorithm>

#include "exposition.hpp"
#include "service_key.hpp"

namespace xvsd::web {

namespace {

// The data plane's counters of one level (global, VIP, service, backend). Its metrics map
// repeats the Stats (packets, octets, flows) and holds one gauge, `current`
// (docs/dataplane.md); everything else in it is a counter, exported under `counter` label.
struct LevelFamilies {
  Family packets, bytes, flows, current, dataplane;
};

constexpr LevelFamilies kGlobal{
    {"xvsd_packets_total", "counter", "Packets to a VIP seen by the data plane."},
    {"xvsd_bytes_total", "counter", "IP bytes of the packets to a VIP."},
    {"xvsd_flows_total", "counter", "New flows to a VIP."},
    {"xvsd_current_connections", "gauge", "Estimated open connections to all VIPs."},
    {"xvsd_dataplane_total", "counter",
     "Data-plane counters by name: verdict reasons, TCP flags, errors (docs/dataplane.md)."}};
constexpr LevelFamilies kVip{
    {"xvsd_vip_packets_total", "counter", "Packets to the VIP."},
    {"xvsd_vip_bytes_total", "counter", "IP bytes of the packets to the VIP."},
    {"xvsd_vip_flows_total", "counter", "New flows to the VIP."},
    {"xvsd_vip_current_connections", "gauge", "Estimated open connections to the VIP."},
    {"xvsd_vip_dataplane_total", "counter", "Data-plane counters of the VIP by name."}};
constexpr LevelFamilies kService{
    {"xvsd_service_packets_total", "counter", "Packets to the service."},
    {"xvsd_service_bytes_total", "counter", "IP bytes of the packets to the service."},
    {"xvsd_service_flows_total", "counter", "New flows to the service."},
    {"xvsd_service_current_connections", "gauge",
     "Estimated open connections to the service."},
    {"xvsd_service_dataplane_total", "counter",
     "Data-plane counters of the service by name."}};
constexpr LevelFamilies kBackend{
    {"xvsd_backend_packets_total", "counter", "Packets sent to the backend."},
    {"xvsd_backend_bytes_total", "counter", "IP bytes of the packets sent to the backend."},
    {"xvsd_backend_flows_total", "counter", "New flows given to the backend."},
    {"xvsd_backend_current_connections", "gauge",
     "Open connections to the backend (active_connections)."},
    {"xvsd_backend_dataplane_total", "counter",
     "Data-plane counters of the backend by name."}};

constexpr Family kLatency{"xvsd_latency_nanoseconds", "gauge",
                          "Average data-plane time per sampled packet."};
constexpr Family kStartTime{"xvsd_start_time_seconds", "gauge",
                            "When the daemon started, seconds since the epoch."};
constexpr Family kGeneration{"xvsd_config_generation", "gauge",
                             "Accepted configuration loads since start (1 = the first)."};
constexpr Family kReloadFailed{"xvsd_config_reload_failed", "gauge",
                               "1 when the latest reload was rejected (the old config runs)."};

constexpr Family kVipHealthy{"xvsd_vip_healthy", "gauge",
                             "1 when every service of the VIP is healthy."};
constexpr Family kServiceHealthy{"xvsd_service_healthy", "gauge",
                                 "1 when at least `need` backends are healthy."};
constexpr Family kServiceNeed{"xvsd_service_need", "gauge",
                              "Healthy backends the service needs to be up."};
constexpr Family kServiceHealthyBackends{"xvsd_service_healthy_backends", "gauge",
                                         "Backends of the service in service now."};
constexpr Family kBackendHealthy{"xvsd_backend_healthy", "gauge",
                                 "1 when the backend passes its checks (after rise/fall)."};
constexpr Family kBackendDisabled{"xvsd_backend_disabled", "gauge",
                                  "1 when the configuration disables the backend."};
constexpr Family kBackendWeight{"xvsd_backend_weight", "gauge",
                                "Share of new flows programmed for the backend."};
constexpr Family kCheckOk{"xvsd_check_ok", "gauge", "1 when the latest run of the check passed."};
constexpr Family kCheckDuration{"xvsd_check_duration_seconds", "gauge",
                                "How long the latest run of the check took."};
constexpr Family kCheckLastRun{"xvsd_check_last_run_timestamp_seconds", "gauge",
                               "When the latest run of the check ended, seconds since the epoch."};

// Flow sharing (cmd/flowshare), exported when it is configured.
constexpr Family kShareSent{"xvsd_flow_sharing_sent_datagrams_total", "counter",
                            "Flow-sharing datagrams sent (one per peer)."};
constexpr Family kShareSendErrors{"xvsd_flow_sharing_send_errors_total", "counter",
                                  "Flow-sharing datagrams the kernel would not send."};
constexpr Family kShareRecordsSent{"xvsd_flow_sharing_sent_records_total", "counter",
                                   "Flow records read from the data plane and sent to the peers."};
constexpr Family kShareAccepted{"xvsd_flow_sharing_accepted_datagrams_total", "counter",
                                "Datagrams from peers that passed every check."};
constexpr Family kShareRejected{"xvsd_flow_sharing_rejected_datagrams_total", "counter",
                                "Datagrams dropped, by the check that dropped them."};
constexpr Family kShareRecords{"xvsd_flow_sharing_written_records_total", "counter",
                               "Flow records from peers written to the flow table."};
constexpr Family kShareRefused{"xvsd_flow_sharing_refused_records_total", "counter",
                               "Authentic flow records the data plane refused (unknown service)."};
constexpr Family kSharePeerAlive{"xvsd_flow_sharing_peer_alive", "gauge",
                                 "1 when the peer was heard from recently."};

std::uint64_t flag(bool b) { return b ? 1 : 0; }

// Route health injection (cmd/xvsd/rhi), exported when BIRD announces the VIPs.
constexpr Family kRoutesHeld{"xvsd_routes_held", "gauge",
                             "1 while announcing waits for the peers and `learn` after start."};
constexpr Family kRoutesInSync{"xvsd_routes_in_sync", "gauge",
                               "1 when BIRD's configuration holds the routes xvsd wants."};
constexpr Family kRoutesError{"xvsd_routes_error", "gauge",
                              "1 when the latest hand-over of the routes to BIRD failed."};
constexpr Family kVipAnnounced{"xvsd_vip_announced", "gauge",
                               "1 when BIRD accepted the VIP's route to announce."};

void add_routes(Exposition& out, const RouteStatus& r) {
  out.add(kRoutesHeld, {}, flag(r.held));
  out.add(kRoutesInSync, {}, flag(r.in_sync));
  out.add(kRoutesError, {}, flag(!r.error.empty()));
}

void add_flow_sharing(Exposition& out, const flowshare::Status& s) {
  out.add(kShareSent, {}, s.sent);
  out.add(kShareSendErrors, {}, s.send_errors);
  out.add(kShareRecordsSent, {}, s.records_sent);
  out.add(kShareAccepted, {}, s.accepted);
  for (const auto& [reason, n] : {std::pair{"malformed", s.malformed},
                                  {"unknown_peer", s.unknown_peer},
                                  {"rate_limited", s.rate_limited},
                                  {"forged", s.forged},
                                  {"replayed", s.replayed}})
    out.add(kShareRejected, {{"reason", reason}}, n);
  out.add(kShareRecords, {}, s.records);
  out.add(kShareRefused, {}, s.refused);
  for (const auto& p : s.peers)
    out.add(kSharePeerAlive, {{"peer", p.address.to_string()}}, std::uint64_t{p.alive});
}

// Keys of the metrics map exported elsewhere: the Stats trio, the `current` gauge, and the
// global average latency (a gauge, exported as xvsd_latency_nanoseconds).
bool exported_elsewhere(const std::string& key) {
  return key == "packets" || key == "octets" || key == "flows" || key == "current" ||
         key == "latency_ns";
}

double seconds(std::uint64_t ms) { return static_cast<double>(ms) / 1000.0; }

void add_level(Exposition& out, const LevelFamilies& f, const Labels& labels,
               const xvs::Stats& stats, const xvs::Metrics& metrics) {
  out.add(f.packets, labels, stats.incoming_packets);
  out.add(f.bytes, labels, stats.incoming_bytes);
  out.add(f.flows, labels, stats.connections);
  if (auto current = metrics.find("current"); current != metrics.end())
    out.add(f.current, labels, current->second);
  for (const auto& [key, value] : metrics) {
    if (exported_elsewhere(key)) continue;
    Labels with_name = labels;
    with_name.emplace_back("counter", key);
    out.add(f.dataplane, with_name, value);
  }
}

void add_backend(Exposition& out, const Labels& service_labels, const BackendStatus& b) {
  Labels labels = service_labels;
  labels.emplace_back("destination", b.address.to_string());
  out.add(kBackendHealthy, labels, flag(b.healthy));
  out.add(kBackendDisabled, labels, flag(b.administratively_disabled));
  out.add(kBackendWeight, labels, std::uint64_t{b.data.destination.weight});
  add_level(out, kBackend, labels, b.data.stats, b.data.metrics);
  out.add(kBackend.current, labels, std::uint64_t{b.data.active_connections});
  for (const auto& c : b.checks) {
    Labels check = labels;
    check.emplace_back("check", c.type);
    check.emplace_back("target", c.target);
    out.add(kCheckOk, check, flag(c.ok));
    out.add(kCheckDuration, check, static_cast<double>(c.duration_us) / 1e6);
    out.add(kCheckLastRun, check, seconds(c.last_run_ms));
  }
}

}  // namespace

std::string render_metrics(const Status& status) {
  Exposition out;
  out.add(kStartTime, {}, seconds(status.started_ms));
  out.add(kGeneration, {}, status.config_generation);
  out.add(kReloadFailed, {}, flag(!status.last_reload_error.empty()));
  out.add(kLatency, {}, status.info.latency);
  add_level(out, kGlobal, {}, status.info.stats, status.info.metrics);
  if (status.share.enabled) add_flow_sharing(out, status.share);
  if (status.routes.enabled) add_routes(out, status.routes);

  for (const auto& vip : status.vips) {
    const Labels vip_labels{{"vip", vip.address.to_string()}};
    out.add(kVipHealthy, vip_labels, flag(vip.healthy));
    if (status.routes.enabled)
      out.add(kVipAnnounced, vip_labels, flag(status.routes.announced.contains(vip.address)));
    add_level(out, kVip, vip_labels, vip.data.stats, vip.data.metrics);
    for (const auto& svc : vip.services) {
      Labels labels = vip_labels;
      labels.emplace_back("service", service_key(svc.data.service));
      labels.emplace_back("service_name", svc.name);
      const auto in_service = std::count_if(svc.backends.begin(), svc.backends.end(),
                                            [](const BackendStatus& b) { return b.healthy; });
      out.add(kServiceHealthy, labels, flag(svc.healthy));
      out.add(kServiceNeed, labels, std::uint64_t{svc.need});
      out.add(kServiceHealthyBackends, labels, static_cast<std::uint64_t>(in_service));
      add_level(out, kService, labels, svc.data.stats, svc.data.metrics);
      for (const auto& b : svc.backends) add_backend(out, labels, b);
    }
  }
  return out.text();
}

}  // namespace xvsd::web
