// SPDX-License-Identifier: Apache-2.0
// A small, fixed Status: one VIP, one service, one healthy and one failing backend. The unit
// tests pin their renderings of it; the console driver grows its counters over time.
#pragma once

#include "status.hpp"

namespace xvsd::test {

inline Status sample_status() {
  using xvs::IPAddr;
  Status st;
  st.taken_ms = 1700000001000;
  st.started_ms = 1700000000000;
  st.config_file = "/etc/xvsd/config.yaml";
  st.config_generation = 2;
  st.interfaces = {"eth0"};
  st.info.stats = {.connections = 3, .incoming_packets = 10, .incoming_bytes = 2000};
  st.info.latency = 250;
  st.info.metrics = {{"packets", 10}, {"octets", 2000}, {"flows", 3},       {"current", 2},
                     {"latency_ns", 250}, {"latency_samples", 4}, {"not_a_vip", 7}};
  st.info.ipv4 = IPAddr::parse("10.255.255.254");

  BackendStatus up;
  up.address = IPAddr::parse("198.18.0.2");
  up.nat = IPAddr::parse("10.255.0.2");
  up.healthy = true;
  up.since_ms = 1700000000500;
  up.checks = {{"http", "10.255.0.2:80/healthz", true, "", 1700000000900, 1500}};
  up.data.destination.address = up.address;
  up.data.active_connections = 2;
  up.data.stats = {.connections = 2, .incoming_packets = 6, .incoming_bytes = 1200};
  up.data.metrics = {{"syn", 2}};
  up.data.mac = {0x02, 0, 0, 0, 0, 0x02};

  BackendStatus down = up;
  down.address = IPAddr::parse("198.18.0.3");
  down.nat = IPAddr::parse("10.255.0.3");
  down.healthy = false;
  down.checks = {{"http", "10.255.0.3:80/healthz", false, "status 503", 1700000000950, 2500}};
  down.data.destination = {.address = down.address, .disable = true};
  down.data.active_connections = 0;
  down.data.stats = {.connections = 1, .incoming_packets = 4, .incoming_bytes = 800};
  down.data.metrics = {{"syn", 1}};

  ServiceStatus svc;
  svc.name = "web";
  svc.description = "front end";
  svc.need = 1;
  svc.healthy = true;
  svc.since_ms = 1700000000600;
  svc.backends = {up, down};
  svc.data.service = {IPAddr::parse("192.0.2.1"), 80, xvs::Protocol::TCP};
  svc.data.stats = st.info.stats;
  svc.data.metrics = {{"current", 2}, {"syn", 3}};

  VipStatus vip;
  vip.address = svc.data.service.address;
  vip.healthy = true;
  vip.since_ms = 1700000000600;
  vip.services = {svc};
  vip.data.address = vip.address;
  vip.data.stats = st.info.stats;
  vip.data.metrics = svc.data.metrics;
  st.vips = {vip};
  return st;
}

}  // namespace xvsd::test
