// SPDX-License-Identifier: Apache-2.0
// The daemon's state as its observers see it: one consistent snapshot, taken under the
// daemon's lock, that the HTTP side (/metrics, /status.json, the console) renders and the
// route-health side reads. Observers never reach into the health checker or the Client.
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include <xvs/xvs.hpp>

#include "flowshare/status.hpp"

namespace xvsd {

// One health check of one backend, as last run.
struct CheckStatus {
  std::string type;           // "http", "https", "syn", "dns", "dnstcp"
  std::string target;         // what it probes, e.g. "198.18.0.3:80/healthz"
  bool ok = false;            // the latest result
  std::string detail;         // why it failed ("timeout", "status 503", ...); empty when ok
  std::uint64_t last_run_ms = 0;   // wall-clock time of the latest result (ms since epoch)
  std::uint32_t duration_us = 0;   // how long the latest check took
};

// A real server of a service with its health and the data plane's counters.
struct BackendStatus {
  xvs::IPAddr address;
  xvs::IPAddr nat;            // the health-check address (Client::nat)
  bool healthy = false;       // after rise/fall: in service
  bool administratively_disabled = false;  // disabled by config, not by checks
  std::uint64_t since_ms = 0; // when `healthy` last changed (ms since epoch)
  std::vector<CheckStatus> checks;
  xvs::DestinationExtended data;  // destination as programmed, counters, MAC
};

struct ServiceStatus {
  std::string name, description;
  unsigned need = 1;          // healthy backends needed for the service to be up
  bool healthy = false;
  std::uint64_t since_ms = 0;
  std::vector<BackendStatus> backends;
  xvs::ServiceExtended data;
};

struct VipStatus {
  xvs::IPAddr address;
  bool healthy = false;       // all its services are healthy
  std::uint64_t since_ms = 0;
  std::vector<ServiceStatus> services;
  xvs::VIP data;
};

// Route health injection (cmd/xvsd/rhi): what BIRD was last given to announce.
struct RouteStatus {
  bool enabled = false;              // a `bird:` section (or --bird-*) is configured
  bool held = true;                  // still waiting for the peers / `learn` after start
  bool in_sync = false;              // BIRD's configuration reflects `announced`
  std::set<xvs::IPAddr> announced;   // the VIPs BIRD accepted to announce
  std::string error;                 // the latest failure (e.g. BIRD not running); empty after a success
};

struct Status {
  std::uint64_t taken_ms = 0;        // when this snapshot was taken (ms since epoch)
  std::uint64_t started_ms = 0;      // when the daemon started
  std::string config_file;
  std::uint64_t config_generation = 0;   // +1 per accepted (re)load
  std::string last_reload_error;     // empty when the latest reload was accepted
  std::vector<std::string> interfaces;
  xvs::Info info;
  std::vector<VipStatus> vips;
  flowshare::Status share;           // filled in by main when flow sharing is configured
  RouteStatus routes;                // filled in by main when BIRD announces the VIPs
};

// Outcome of a reload request: accepted, or rejected with the message naming file, line and
// field (the old configuration keeps running).
struct ReloadResult {
  bool accepted = false;
  std::string message;
};

// What the HTTP side needs from the daemon.
struct StatusSource {
  std::function<Status()> snapshot;
  std::function<ReloadResult()> reload;  // re-reads the config file
};

}  // namespace xvsd
