// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include "exposition.hpp"
#include "metrics.hpp"
#include "sample_status.hpp"

using namespace xvsd::web;

TEST_CASE("metrics: exact text of a small status") {
  CHECK(render_metrics(xvsd::test::sample_status()) == R"text(# HELP xvsd_start_time_seconds When the daemon started, seconds since the epoch.
# TYPE xvsd_start_time_seconds gauge
xvsd_start_time_seconds 1700000000
# HELP xvsd_config_generation Accepted configuration loads since start (1 = the first).
# TYPE xvsd_config_generation gauge
xvsd_config_generation 2
# HELP xvsd_config_reload_failed 1 when the latest reload was rejected (the old config runs).
# TYPE xvsd_config_reload_failed gauge
xvsd_config_reload_failed 0
# HELP xvsd_latency_nanoseconds Average data-plane time per sampled packet.
# TYPE xvsd_latency_nanoseconds gauge
xvsd_latency_nanoseconds 250
# HELP xvsd_packets_total Packets to a VIP seen by the data plane.
# TYPE xvsd_packets_total counter
xvsd_packets_total 10
# HELP xvsd_bytes_total IP bytes of the packets to a VIP.
# TYPE xvsd_bytes_total counter
xvsd_bytes_total 2000
# HELP xvsd_flows_total New flows to a VIP.
# TYPE xvsd_flows_total counter
xvsd_flows_total 3
# HELP xvsd_current_connections Estimated open connections to all VIPs.
# TYPE xvsd_current_connections gauge
xvsd_current_connections 2
# HELP xvsd_dataplane_total Data-plane counters by name: verdict reasons, TCP flags, errors (docs/dataplane.md).
# TYPE xvsd_dataplane_total counter
xvsd_dataplane_total{counter="latency_samples"} 4
xvsd_dataplane_total{counter="not_a_vip"} 7
# HELP xvsd_vip_healthy 1 when every service of the VIP is healthy.
# TYPE xvsd_vip_healthy gauge
xvsd_vip_healthy{vip="192.0.2.1"} 1
# HELP xvsd_vip_packets_total Packets to the VIP.
# TYPE xvsd_vip_packets_total counter
xvsd_vip_packets_total{vip="192.0.2.1"} 10
# HELP xvsd_vip_bytes_total IP bytes of the packets to the VIP.
# TYPE xvsd_vip_bytes_total counter
xvsd_vip_bytes_total{vip="192.0.2.1"} 2000
# HELP xvsd_vip_flows_total New flows to the VIP.
# TYPE xvsd_vip_flows_total counter
xvsd_vip_flows_total{vip="192.0.2.1"} 3
# HELP xvsd_vip_current_connections Estimated open connections to the VIP.
# TYPE xvsd_vip_current_connections gauge
xvsd_vip_current_connections{vip="192.0.2.1"} 2
# HELP xvsd_vip_dataplane_total Data-plane counters of the VIP by name.
# TYPE xvsd_vip_dataplane_total counter
xvsd_vip_dataplane_total{vip="192.0.2.1",counter="syn"} 3
# HELP xvsd_service_healthy 1 when at least `need` backends are healthy.
# TYPE xvsd_service_healthy gauge
xvsd_service_healthy{vip="192.0.2.1",service="192.0.2.1:80/tcp",service_name="web"} 1
# HELP xvsd_service_need Healthy backends the service needs to be up.
# TYPE xvsd_service_need gauge
xvsd_service_need{vip="192.0.2.1",service="192.0.2.1:80/tcp",service_name="web"} 1
# HELP xvsd_service_healthy_backends Backends of the service in service now.
# TYPE xvsd_service_healthy_backends gauge
xvsd_service_healthy_backends{vip="192.0.2.1",service="192.0.2.1:80/tcp",service_name="web"} 1
# HELP xvsd_service_packets_total Packets to the service.
# TYPE xvsd_service_packets_total counter
xvsd_service_packets_total{vip="192.0.2.1",service="192.0.2.1:80/tcp",service_name="web"} 10
# HELP xvsd_service_bytes_total IP bytes of the packets to the service.
# TYPE xvsd_service_bytes_total counter
xvsd_service_bytes_total{vip="192.0.2.1",service="192.0.2.1:80/tcp",service_name="web"} 2000
# HELP xvsd_service_flows_total New flows to the service.
# TYPE xvsd_service_flows_total counter
xvsd_service_flows_total{vip="192.0.2.1",service="192.0.2.1:80/tcp",service_name="web"} 3
# HELP xvsd_service_current_connections Estimated open connections to the service.
# TYPE xvsd_service_current_connections gauge
xvsd_service_current_connections{vip="192.0.2.1",service="192.0.2.1:80/tcp",service_name="web"} 2
# HELP xvsd_service_dataplane_total Data-plane counters of the service by name.
# TYPE xvsd_service_dataplane_total counter
xvsd_service_dataplane_total{vip="192.0.2.1",service="192.0.2.1:80/tcp",service_name="web",counter="syn"} 3
# HELP xvsd_backend_healthy 1 when the backend passes its checks (after rise/fall).
# TYPE xvsd_backend_healthy gauge
xvsd_backend_healthy{vip="192.0.2.1",service="192.0.2.1:80/tcp",service_name="web",destination="198.18.0.2"} 1
xvsd_backend_healthy{vip="192.0.2.1",service="192.0.2.1:80/tcp",service_name="web",destination="198.18.0.3"} 0
# HELP xvsd_backend_disabled 1 when the configuration disables the backend.
# TYPE xvsd_backend_disabled gauge
xvsd_backend_disabled{vip="192.0.2.1",service="192.0.2.1:80/tcp",service_name="web",destination="198.18.0.2"} 0
xvsd_backend_disabled{vip="192.0.2.1",service="192.0.2.1:80/tcp",service_name="web",destination="198.18.0.3"} 0
# HELP xvsd_backend_weight Share of new flows programmed for the backend.
# TYPE xvsd_backend_weight gauge
xvsd_backend_weight{vip="192.0.2.1",service="192.0.2.1:80/tcp",service_name="web",destination="198.18.0.2"} 1
xvsd_backend_weight{vip="192.0.2.1",service="192.0.2.1:80/tcp",service_name="web",destination="198.18.0.3"} 1
# HELP xvsd_backend_packets_total Packets sent to the backend.
# TYPE xvsd_backend_packets_total counter
xvsd_backend_packets_total{vip="192.0.2.1",service="192.0.2.1:80/tcp",service_name="web",destination="198.18.0.2"} 6
xvsd_backend_packets_total{vip="192.0.2.1",service="192.0.2.1:80/tcp",service_name="web",destination="198.18.0.3"} 4
# HELP xvsd_backend_bytes_total IP bytes of the packets sent to the backend.
# TYPE xvsd_backend_bytes_total counter
xvsd_backend_bytes_total{vip="192.0.2.1",service="192.0.2.1:80/tcp",service_name="web",destination="198.18.0.2"} 1200
xvsd_backend_bytes_total{vip="192.0.2.1",service="192.0.2.1:80/tcp",service_name="web",destination="198.18.0.3"} 800
# HELP xvsd_backend_flows_total New flows given to the backend.
# TYPE xvsd_backend_flows_total counter
xvsd_backend_flows_total{vip="192.0.2.1",service="192.0.2.1:80/tcp",service_name="web",destination="198.18.0.2"} 2
xvsd_backend_flows_total{vip="192.0.2.1",service="192.0.2.1:80/tcp",service_name="web",destination="198.18.0.3"} 1
# HELP xvsd_backend_dataplane_total Data-plane counters of the backend by name.
# TYPE xvsd_backend_dataplane_total counter
xvsd_backend_dataplane_total{vip="192.0.2.1",service="192.0.2.1:80/tcp",service_name="web",destination="198.18.0.2",counter="syn"} 2
xvsd_backend_dataplane_total{vip="192.0.2.1",service="192.0.2.1:80/tcp",service_name="web",destination="198.18.0.3",counter="syn"} 1
# HELP xvsd_backend_current_connections Open connections to the backend (active_connections).
# TYPE xvsd_backend_current_connections gauge
xvsd_backend_current_connections{vip="192.0.2.1",service="192.0.2.1:80/tcp",service_name="web",destination="198.18.0.2"} 2
xvsd_backend_current_connections{vip="192.0.2.1",service="192.0.2.1:80/tcp",service_name="web",destination="198.18.0.3"} 0
# HELP xvsd_check_ok 1 when the latest run of the check passed.
# TYPE xvsd_check_ok gauge
xvsd_check_ok{vip="192.0.2.1",service="192.0.2.1:80/tcp",service_name="web",destination="198.18.0.2",check="http",target="10.255.0.2:80/healthz"} 1
xvsd_check_ok{vip="192.0.2.1",service="192.0.2.1:80/tcp",service_name="web",destination="198.18.0.3",check="http",target="10.255.0.3:80/healthz"} 0
# HELP xvsd_check_duration_seconds How long the latest run of the check took.
# TYPE xvsd_check_duration_seconds gauge
xvsd_check_duration_seconds{vip="192.0.2.1",service="192.0.2.1:80/tcp",service_name="web",destination="198.18.0.2",check="http",target="10.255.0.2:80/healthz"} 0.0015
xvsd_check_duration_seconds{vip="192.0.2.1",service="192.0.2.1:80/tcp",service_name="web",destination="198.18.0.3",check="http",target="10.255.0.3:80/healthz"} 0.0025
# HELP xvsd_check_last_run_timestamp_seconds When the latest run of the check ended, seconds since the epoch.
# TYPE xvsd_check_last_run_timestamp_seconds gauge
xvsd_check_last_run_timestamp_seconds{vip="192.0.2.1",service="192.0.2.1:80/tcp",service_name="web",destination="198.18.0.2",check="http",target="10.255.0.2:80/healthz"} 1700000000.9
xvsd_check_last_run_timestamp_seconds{vip="192.0.2.1",service="192.0.2.1:80/tcp",service_name="web",destination="198.18.0.3",check="http",target="10.255.0.3:80/healthz"} 1700000000.95
)text");
}

TEST_CASE("metrics: label values escape backslash, double quote and line feed") {
  CHECK(escape_label_value(R"(a\b"c)" "\nd") == R"(a\\b\"c\nd)");
  CHECK(escape_label_value("plain:80/tcp") == "plain:80/tcp");

  auto st = xvsd::test::sample_status();
  st.vips[0].services[0].name = "say \"hi\"\\\n";
  const auto text = render_metrics(st);
  CHECK_THAT(text, Catch::Contains(
                       R"(xvsd_service_healthy{vip="192.0.2.1",service="192.0.2.1:80/tcp",)"
                       R"(service_name="say \"hi\"\\\n"} 1)"));
  // The raw line feed never reaches the output: every line is a comment or a sample.
  std::size_t start = 0;
  while (start < text.size()) {
    const auto end = text.find('\n', start);
    const auto line = text.substr(start, end - start);
    CHECK((line.starts_with("# HELP xvsd_") || line.starts_with("# TYPE xvsd_") ||
           line.starts_with("xvsd_")));
    start = end + 1;
  }
}

TEST_CASE("metrics: a family's samples stay together after its HELP and TYPE") {
  Exposition e;
  const Family a{"a_total", "counter", "A, with a \\ and a\nline feed."};
  const Family b{"b", "gauge", "B."};
  e.add(a, {{"x", "1"}}, std::uint64_t{1});
  e.add(b, {}, 0.5);
  e.add(a, {{"x", "2"}}, std::uint64_t{2});
  CHECK(e.text() ==
        "# HELP a_total A, with a \\\\ and a\\nline feed.\n# TYPE a_total counter\n"
        "a_total{x=\"1\"} 1\na_total{x=\"2\"} 2\n"
        "# HELP b B.\n# TYPE b gauge\nb 0.5\n");
}

TEST_CASE("metrics: flow sharing, when configured, with every rejected datagram by reason") {
  auto st = xvsd::test::sample_status();
  CHECK_THAT(render_metrics(st), !Catch::Contains("xvsd_flow_sharing"));
  st.share.enabled = true;
  st.share.accepted = 5;
  st.share.records = 4;
  st.share.unknown_peer = 11;
  st.share.forged = 12;
  st.share.replayed = 13;
  st.share.rate_limited = 14;
  st.share.peers = {{xvs::IPAddr::parse("10.0.0.3"), true, 5}};
  const auto text = render_metrics(st);
  CHECK_THAT(text, Catch::Contains("xvsd_flow_sharing_accepted_datagrams_total 5\n"));
  CHECK_THAT(text, Catch::Contains("xvsd_flow_sharing_written_records_total 4\n"));
  CHECK_THAT(text, Catch::Contains(
                       "# TYPE xvsd_flow_sharing_rejected_datagrams_total counter\n"
                       "xvsd_flow_sharing_rejected_datagrams_total{reason=\"malformed\"} 0\n"
                       "xvsd_flow_sharing_rejected_datagrams_total{reason=\"unknown_peer\"} 11\n"
                       "xvsd_flow_sharing_rejected_datagrams_total{reason=\"rate_limited\"} 14\n"
                       "xvsd_flow_sharing_rejected_datagrams_total{reason=\"forged\"} 12\n"
                       "xvsd_flow_sharing_rejected_datagrams_total{reason=\"replayed\"} 13\n"));
  CHECK_THAT(text, Catch::Contains("xvsd_flow_sharing_peer_alive{peer=\"10.0.0.3\"} 1\n"));
}

TEST_CASE("metrics: route health injection, when configured, with each VIP's announcement") {
  auto st = xvsd::test::sample_status();
  CHECK_THAT(render_metrics(st), !Catch::Contains("xvsd_routes") &&
                                     !Catch::Contains("xvsd_vip_announced"));
  REQUIRE(!st.vips.empty());
  st.routes.enabled = true;
  st.routes.held = false;
  st.routes.in_sync = false;
  st.routes.error = "BIRD is not running";
  st.routes.announced = {st.vips.front().address};
  const auto text = render_metrics(st);
  CHECK_THAT(text, Catch::Contains("xvsd_routes_held 0\n"));
  CHECK_THAT(text, Catch::Contains("xvsd_routes_in_sync 0\n"));
  CHECK_THAT(text, Catch::Contains("xvsd_routes_error 1\n"));
  CHECK_THAT(text, Catch::Contains("xvsd_vip_announced{vip=\"" +
                                   st.vips.front().address.to_string() + "\"} 1\n"));
  for (std::size_t i = 1; i < st.vips.size(); ++i)
    CHECK_THAT(text, Catch::Contains("xvsd_vip_announced{vip=\"" +
                                     st.vips[i].address.to_string() + "\"} 0\n"));
}
