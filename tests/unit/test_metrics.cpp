// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "dataplane/metrics.hpp"

using namespace xvs::detail;

TEST_CASE("counters_metrics names every counter", "[metrics]") {
  xvs_counters c{1, 2, 3, 4, 5, 6, 7, 8};
  xvs::Metrics m = counters_metrics(c);
  CHECK(m == xvs::Metrics{{"packets", 1}, {"octets", 2}, {"flows", 3}, {"errors", 4},
                          {"syn", 5},     {"ack", 6},    {"fin", 7},   {"rst", 8},
                          {"tunnel_unsupported", 0}, {"too_big", 0}, {"adjust_failed", 0}});
}

// Both key sets: ours, and those of xvs v0.2.10 (its bpf_counter.metrics() and
// bpf_global.metrics()), so that dashboards built on either keep working.
TEST_CASE("metrics carry our keys and xvs's", "[metrics]") {
  const std::set<std::string> ours_counters{"packets", "octets", "flows", "errors",
                                            "syn",     "ack",    "fin",   "rst"};
  const std::set<std::string> xvs_counters_keys{"packets", "octets", "flows", "errors",
                                                "syn", "ack", "fin", "rst",
                                                "tunnel_unsupported", "too_big",
                                                "adjust_failed"};  // + current (Client)
  const xvs::Metrics per_service = counters_metrics(xvs_counters{});
  for (const auto& k : ours_counters) CHECK(per_service.count(k) == 1);
  for (const auto& k : xvs_counters_keys) CHECK(per_service.count(k) == 1);

  xvs_reasons r{};
  for (std::uint32_t i = 0; i < XVS_REASONS; ++i) r.count[i] = 100 + i;
  xvs::Metrics global = counters_metrics(xvs_counters{});
  add_reason_metrics(global, r);
  add_xvs_global_metrics(global);
  const std::set<std::string> xvs_global{
      "err_malformed", "err_tot_len", "err_l4_unsupported", "err_icmp_unsupported",
      "err_fragmented", "err_service_not_found", "err_no_backend", "err_backend_invalid",
      "err_no_tunnel_port", "err_expired", "err_adjust_failed", "err_tunnel_unsupported",
      "err_tcp_header", "err_udp_header", "err_icmp_header", "err_internal",
      "err_cve_2025_37799", "not_ip", "not_a_vip", "probe_reply", "userspace",
      "icmp_echo_request", "too_big", "packets", "octets", "flows", "errors", "syn", "ack",
      "fin", "rst"};  // + current (Client)
  for (const auto& k : xvs_global) {
    CAPTURE(k);
    CHECK(global.count(k) == 1);
  }
  for (std::uint32_t i = 0; i < XVS_REASONS; ++i) CHECK(global.count(reason_name(i)) == 1);
  // The aliases read our counters.
  CHECK(global.at("err_l4_unsupported") == 100 + XVS_R_ERR_PROTOCOL);
  CHECK(global.at("err_service_not_found") == 100 + XVS_R_ERR_NO_SERVICE);
  CHECK(global.at("err_expired") == 100 + XVS_R_ERR_TTL);
  CHECK(global.at("err_tunnel_unsupported") == 100 + XVS_R_ERR_TUNNEL);
  CHECK(global.at("userspace") == 100 + XVS_R_WATCHDOG);
  CHECK(global.at("err_tot_len") == 0);
}

TEST_CASE("add_reason_metrics gives each reason its documented name", "[metrics]") {
  xvs_reasons r{};
  for (std::uint32_t i = 0; i < XVS_REASONS; ++i) r.count[i] = 100 + i;
  r.latency_ns = 4000;
  r.latency_samples = 100;
  xvs::Metrics m{{"packets", 9}};
  add_reason_metrics(m, r);

  CHECK(m.at("packets") == 9);  // existing keys are kept
  CHECK(m.at("not_ip") == 100 + XVS_R_NOT_IP);
  CHECK(m.at("not_a_vip") == 100 + XVS_R_NOT_A_VIP);
  CHECK(m.at("watchdog") == 100 + XVS_R_WATCHDOG);
  CHECK(m.at("probe_reply") == 100 + XVS_R_PROBE_REPLY);
  CHECK(m.at("forwarded") == 100 + XVS_R_FORWARDED);
  CHECK(m.at("icmp_echo_request") == 100 + XVS_R_ICMP_ECHO);
  CHECK(m.at("too_big") == 100 + XVS_R_TOO_BIG);
  CHECK(m.at("err_malformed") == 100 + XVS_R_ERR_MALFORMED);
  CHECK(m.at("err_fragmented") == 100 + XVS_R_ERR_FRAGMENTED);
  CHECK(m.at("err_ttl_expired") == 100 + XVS_R_ERR_TTL);
  CHECK(m.at("err_ip_options") == 100 + XVS_R_ERR_IP_OPTIONS);
  CHECK(m.at("err_protocol") == 100 + XVS_R_ERR_PROTOCOL);
  CHECK(m.at("err_icmp") == 100 + XVS_R_ERR_ICMP);
  CHECK(m.at("err_no_service") == 100 + XVS_R_ERR_NO_SERVICE);
  CHECK(m.at("err_no_backend") == 100 + XVS_R_ERR_NO_BACKEND);
  CHECK(m.at("err_not_ready") == 100 + XVS_R_ERR_NOT_READY);
  CHECK(m.at("err_internal") == 100 + XVS_R_ERR_INTERNAL);
  CHECK(m.at("err_tunnel") == 100 + XVS_R_ERR_TUNNEL);
  CHECK(m.at("err_icmp_truncated") == 100 + XVS_R_ERR_ICMP_TRUNCATED);
  CHECK(m.at("err_icmp_quote") == 100 + XVS_R_ERR_ICMP_QUOTE);
  CHECK(m.at("err_icmp_source") == 100 + XVS_R_ERR_ICMP_SOURCE);
  CHECK(m.at("err_icmp_protocol") == 100 + XVS_R_ERR_ICMP_PROTOCOL);
  CHECK(m.at("err_icmp_no_service") == 100 + XVS_R_ERR_ICMP_NO_SERVICE);
  CHECK(m.at("err_icmp_mtu") == 100 + XVS_R_ERR_ICMP_MTU);
  CHECK(m.at("latency_ns") == 40);
  CHECK(m.at("latency_samples") == 100);
  CHECK(m.size() == 1 + XVS_REASONS + 2);
}

TEST_CASE("reason names are distinct, lower case, and bounded", "[metrics]") {
  std::set<std::string> names;
  for (std::uint32_t i = 0; i < XVS_REASONS; ++i) {
    const char* n = reason_name(i);
    REQUIRE(n != nullptr);
    CHECK(std::string(n).find_first_not_of("abcdefghijklmnopqrstuvwxyz_") == std::string::npos);
    names.insert(n);
  }
  CHECK(names.size() == XVS_REASONS);
  CHECK(reason_name(XVS_REASONS) == nullptr);
}

TEST_CASE("average latency is 0 before any sample", "[metrics]") {
  xvs_reasons r{};
  CHECK(average_latency_ns(r) == 0);
  r.latency_ns = 90;
  r.latency_samples = 4;
  CHECK(average_latency_ns(r) == 22);
}
