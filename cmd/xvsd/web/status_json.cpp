// SPDX-License-Identifier: Apache-2.0
#include "status_json.hpp"

#include "service_key.hpp"

namespace xvsd::web {

namespace {

using nlohmann::json;

json stats_json(const xvs::Stats& s) {
  return {{"packets", s.incoming_packets}, {"bytes", s.incoming_bytes}, {"flows", s.connections}};
}

json check_json(const CheckStatus& c) {
  return {{"type", c.type},           {"target", c.target},
          {"ok", c.ok},               {"detail", c.detail},
          {"last_run_ms", c.last_run_ms}, {"duration_us", c.duration_us}};
}

json backend_json(const BackendStatus& b) {
  const auto& d = b.data.destination;
  json checks = json::array();
  for (const auto& c : b.checks) checks.push_back(check_json(c));
  return {{"address", b.address.to_string()},
          {"nat", b.nat.to_string()},
          {"healthy", b.healthy},
          {"administratively_disabled", b.administratively_disabled},
          {"since_ms", b.since_ms},
          {"disable", d.disable},
          {"weight", d.weight},
          {"tunnel", {{"type", xvs::to_string(d.tunnel_type)},
                      {"port", d.tunnel_port},
                      {"no_checksum", d.tunnel_encap_no_checksum}}},
          {"mac", xvs::to_string(b.data.mac)},
          {"active_connections", b.data.active_connections},
          {"stats", stats_json(b.data.stats)},
          {"metrics", b.data.metrics},
          {"checks", checks}};
}

json service_json(const ServiceStatus& s) {
  const auto& svc = s.data.service;
  json backends = json::array();
  for (const auto& b : s.backends) backends.push_back(backend_json(b));
  return {{"key", service_key(svc)},
          {"name", s.name},
          {"description", s.description},
          {"address", svc.address.to_string()},
          {"port", svc.port},
          {"protocol", xvs::to_string(svc.protocol)},
          {"sticky", svc.sticky},
          {"need", s.need},
          {"healthy", s.healthy},
          {"since_ms", s.since_ms},
          {"stats", stats_json(s.data.stats)},
          {"metrics", s.data.metrics},
          {"backends", backends}};
}

json vip_json(const VipStatus& v) {
  json services = json::array();
  for (const auto& s : v.services) services.push_back(service_json(s));
  return {{"address", v.address.to_string()},
          {"healthy", v.healthy},
          {"since_ms", v.since_ms},
          {"stats", stats_json(v.data.stats)},
          {"metrics", v.data.metrics},
          {"services", services}};
}

json flow_sharing_json(const flowshare::Status& s) {
  json peers = json::array();
  for (const auto& p : s.peers)
    peers.push_back({{"address", p.address.to_string()}, {"alive", p.alive},
                     {"accepted", p.accepted}});
  return {{"sent", s.sent},
          {"send_errors", s.send_errors},
          {"records_sent", s.records_sent},
          {"accepted", s.accepted},
          {"records", s.records},
          {"refused", s.refused},
          {"rejected", {{"malformed", s.malformed},
                        {"unknown_peer", s.unknown_peer},
                        {"rate_limited", s.rate_limited},
                        {"forged", s.forged},
                        {"replayed", s.replayed}}},
          {"peers", peers}};
}

json routes_json(const RouteStatus& r) {
  json announced = json::array();
  for (const auto& a : r.announced) announced.push_back(a.to_string());
  return {{"held", r.held}, {"in_sync", r.in_sync}, {"announced", announced}, {"error", r.error}};
}

}  // namespace

json status_json(const Status& st) {
  json vips = json::array();
  for (const auto& v : st.vips) vips.push_back(vip_json(v));
  json out = {{"taken_ms", st.taken_ms},
          {"started_ms", st.started_ms},
          {"config", {{"file", st.config_file},
                      {"generation", st.config_generation},
                      {"last_reload_error", st.last_reload_error}}},
          {"interfaces", st.interfaces},
          {"info", {{"stats", stats_json(st.info.stats)},
                    {"latency_ns", st.info.latency},
                    {"metrics", st.info.metrics},
                    {"nat", {{"ipv4", st.info.ipv4.to_string()},
                             {"ipv6", st.info.ipv6.to_string()}}}}},
          {"vips", vips}};
  if (st.share.enabled) out["flow_sharing"] = flow_sharing_json(st.share);  // when configured
  if (st.routes.enabled) out["routes"] = routes_json(st.routes);
  return out;
}

}  // namespace xvsd::web
