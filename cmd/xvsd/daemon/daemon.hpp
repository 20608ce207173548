// SPDX-License-Identifier: Apache-2.0
// The daemon's core: programs the Client from the configuration, runs the health checks
// through the NAT addresses, takes failing backends out (disable: their flows stay) and puts
// recovered ones back, derives service and VIP health, tells the VipListeners, logs every
// change, and answers for snapshots and reloads.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <xvs/xvs.hpp>

#include "check/checker.hpp"
#include "check/rise_fall.hpp"
#include "config/config.hpp"
#include "events.hpp"
#include "status.hpp"

namespace xvsd {

class Daemon {
public:
  // Applies `config` (throws xvs::Error when the data plane refuses it) and starts checking.
  // verbose: log every check result, not only changes.
  Daemon(xvs::Client& client, Config config, std::vector<std::string> interfaces,
         std::vector<std::shared_ptr<VipListener>> listeners, bool verbose = false);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Re-reads the configuration file. A file that does not parse, or that the data plane
  // refuses, is rejected and the running configuration stays as it was.
  ReloadResult reload();

  Status snapshot();
  StatusSource source();
  const Config& config() const { return config_; }

private:
  struct CheckState {
    std::uint64_t id = 0;
    Probe probe;
    RiseFall health{1, 1};
    CheckStatus status;
  };
  struct BackendState {
    BackendConfig config;
    xvs::IPAddr nat;
    bool healthy = false;
    bool decided = false;       // its state has been logged at least once
    std::uint64_t since_ms = 0;
    std::vector<CheckState> checks;
  };
  struct ServiceState {
    ServiceConfig config;
    bool healthy = false;
    std::uint64_t since_ms = 0;
    std::vector<BackendState> backends;
  };
  struct VipState {
    bool healthy = false;
    std::uint64_t since_ms = 0;
  };
  struct Where {
    std::size_t service, backend, check;
  };
  using VipEvents = std::vector<std::pair<xvs::IPAddr, bool>>;

  void apply(const Config& next);  // throws; caller holds mutex_
  std::vector<ServiceState> build(const Config& next);
  void program(const std::vector<ServiceState>& next);
  void start_checks();
  void on_result(std::uint64_t id, const ProbeResult& r);
  bool backend_in_service(const BackendState& b) const;
  xvs::Destination destination(const ServiceState& s, const BackendState& b) const;
  void settle(std::uint64_t now, bool announce_all, VipEvents& events);
  void notify(const VipEvents& events, const std::vector<xvs::IPAddr>& removed);

  xvs::Client& client_;
  std::vector<std::string> interfaces_;
  std::vector<std::shared_ptr<VipListener>> listeners_;
  std::uint64_t started_ms_;
  bool verbose_;

  std::mutex reload_mutex_;  // one reload at a time (SIGHUP and the HTTP endpoint)
  std::mutex mutex_;         // everything below
  Config config_;
  std::uint64_t generation_ = 0;
  std::string last_reload_error_;
  std::vector<ServiceState> services_;
  std::map<xvs::IPAddr, VipState> vips_;
  std::unordered_map<std::uint64_t, Where> where_;
  std::map<std::string, std::uint64_t> check_ids_;  // stable ids across reloads
  std::uint64_t next_id_ = 1;

  std::unique_ptr<Checker> checker_;  // last: stopped first
};

std::uint64_t now_ms();

}  // namespace xvsd
