// SPDX-License-Identifier: Apache-2.0
#include "daemon/daemon.hpp"

#include <chrono>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "log/log.hpp"

namespace xvsd {

std::uint64_t now_ms() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

namespace {

using Key = std::tuple<xvs::IPAddr, std::uint16_t, xvs::Protocol>;
Key key_of(const xvs::Service& s) { return {s.address, s.port, s.protocol}; }

std::string service_label(const ServiceConfig& s) {
  return fmt::format("{}:{}/{}", s.service.address.to_string(), s.service.port,
                     xvs::to_string(s.service.protocol));
}

LogFields service_fields(const ServiceConfig& s) {
  return {{"service", s.name},
          {"vip", s.service.address.to_string()},
          {"port", std::to_string(s.service.port)},
          {"protocol", xvs::to_string(s.service.protocol)}};
}

// Identifies one check of one backend of one service; a reload that keeps all of it keeps
// the check's schedule and its rise/fall state.
std::string check_key(const ServiceConfig& s, const BackendConfig& b, std::size_t i,
                      const CheckConfig& c) {
  return fmt::format("{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}", service_label(s), b.address.to_string(),
                     i, to_string(c.type), c.port, c.path, c.host, c.expect, c.method,
                     s.timing.interval.count(), s.timing.timeout.count());
}

}  // namespace

Daemon::Daemon(xvs::Client& client, Config config, std::vector<std::string> interfaces,
               std::vector<std::shared_ptr<VipListener>> listeners, bool verbose)
    : client_(client), interfaces_(std::move(interfaces)), listeners_(std::move(listeners)),
      started_ms_(now_ms()), verbose_(verbose) {
  checker_ = std::make_unique<Checker>(
      [this](std::uint64_t id, const ProbeResult& r) { on_result(id, r); });
  VipEvents events;
  {
    std::lock_guard lock(mutex_);
    apply(config);
    config_ = std::move(config);
    generation_ = 1;
    settle(now_ms(), true, events);
    start_checks();
  }
  notify(events, {});
}

Daemon::~Daemon() {
  checker_.reset();  // no more results once the members below go
}

std::vector<Daemon::ServiceState> Daemon::build(const Config& next) {
  std::map<Key, const ServiceState*> old;
  for (const auto& s : services_) old[key_of(s.config.service)] = &s;
  std::uint64_t now = now_ms();
  std::vector<ServiceState> out;
  for (const auto& sc : next.services) {
    ServiceState s{sc, false, now, {}};
    const ServiceState* before = nullptr;
    if (auto it = old.find(key_of(sc.service)); it != old.end()) {
      before = it->second;
      s.healthy = before->healthy;
      s.since_ms = before->since_ms;
    }
    for (const auto& bc : sc.backends) {
      BackendState b{bc, {}, sc.checks.empty(), sc.checks.empty(), now, {}};
      const BackendState* prior = nullptr;
      if (before)
        for (const auto& pb : before->backends)
          if (pb.config.address == bc.address) prior = &pb;
      if (prior) {
        b.healthy = prior->healthy;
        b.decided = prior->decided;
        b.since_ms = prior->since_ms;
      }
      for (std::size_t i = 0; i < sc.checks.size(); ++i) {
        const CheckConfig& cc = sc.checks[i];
        std::string key = check_key(sc, bc, i, cc);
        CheckState c;
        auto [id, fresh] = check_ids_.emplace(key, next_id_);
        if (fresh) ++next_id_;
        c.id = id->second;
        c.health = RiseFall(sc.timing.rise, sc.timing.fall);
        if (prior)
          for (const auto& pc : prior->checks)
            if (pc.id == c.id) {
              c.health = pc.health;
              c.health.set_thresholds(sc.timing.rise, sc.timing.fall);
              c.status = pc.status;
            }
        c.probe.type = cc.type;
        c.probe.port = cc.port;
        c.probe.path = cc.path;
        c.probe.host = cc.host;
        c.probe.default_host = sc.service.address.is6()
                                   ? "[" + sc.service.address.to_string() + "]"
                                   : sc.service.address.to_string();
        c.probe.method = cc.method;
        c.probe.expect = cc.expect;
        c.probe.timeout = sc.timing.timeout;
        b.checks.push_back(std::move(c));
      }
      s.backends.push_back(std::move(b));
    }
    out.push_back(std::move(s));
  }
  return out;
}

bool Daemon::backend_in_service(const BackendState& b) const {
  return b.healthy && !b.config.disabled;
}

xvs::Destination Daemon::destination(const ServiceState& s, const BackendState& b) const {
  xvs::Destination d;
  d.address = b.config.address;
  d.tunnel_type = s.config.tunnel;
  d.tunnel_port = s.config.tunnel_port;
  d.tunnel_encap_no_checksum = s.config.tunnel_no_checksum;
  d.weight = b.config.weight;
  d.disable = !backend_in_service(b);
  return d;
}

// Makes the Client hold exactly `next`: its services set, then the others removed (last,
// so that a refusal part way has removed nothing the running configuration serves).
void Daemon::program(const std::vector<ServiceState>& next) {
  std::set<Key> wanted;
  for (const auto& s : next) {
    wanted.insert(key_of(s.config.service));
    std::vector<xvs::Destination> ds;
    for (const auto& b : s.backends) ds.push_back(destination(s, b));
    client_.set_service(s.config.service, ds);
  }
  for (const auto& have : client_.services())
    if (!wanted.contains(key_of(have.service))) client_.remove_service(have.service);
}

void Daemon::apply(const Config& next) {
  std::vector<ServiceState> states = build(next);
  xvs::Config net{next.ipv4_vlans, next.ipv6_vlans, next.routes};
  xvs::Config before = client_.config();
  try {
    if (net != before) client_.set_config(net);
    program(states);
  } catch (...) {
    // Put back what ran before; the caller reports the refusal.
    try {
      if (client_.config() != before) client_.set_config(before);
      program(services_);
    } catch (const std::exception& e) {
      log_event("rollback_failed", {{"error", e.what()}});
    }
    throw;
  }
  for (auto& s : states)
    for (auto& b : s.backends) b.nat = client_.nat(s.config.service.address, b.config.address);
  services_ = std::move(states);
}

void Daemon::start_checks() {
  std::vector<CheckJob> jobs;
  where_.clear();
  for (std::size_t si = 0; si < services_.size(); ++si) {
    auto& s = services_[si];
    for (std::size_t bi = 0; bi < s.backends.size(); ++bi) {
      auto& b = s.backends[bi];
      for (std::size_t ci = 0; ci < b.checks.size(); ++ci) {
        auto& c = b.checks[ci];
        c.probe.address = b.nat;
        c.status.type = to_string(c.probe.type);
        c.status.target = describe(c.probe);
        where_[c.id] = {si, bi, ci};
        if (!b.nat.valid()) {
          // The library has no NAT address for it (should not happen for a configured
          // service): the check cannot run, the backend stays as it is.
          log_event("check_unavailable", {{"service", s.config.name},
                                          {"backend", b.config.address.to_string()}});
          continue;
        }
        jobs.push_back({c.id, c.probe, s.config.timing.interval});
      }
    }
  }
  checker_->set(std::move(jobs));
}

void Daemon::on_result(std::uint64_t id, const ProbeResult& r) {
  VipEvents events;
  {
    std::lock_guard lock(mutex_);
    auto it = where_.find(id);
    if (it == where_.end()) return;
    auto [si, bi, ci] = it->second;
    ServiceState& s = services_[si];
    BackendState& b = s.backends[bi];
    CheckState& c = b.checks[ci];
    std::uint64_t now = now_ms();
    c.status.ok = r.ok;
    c.status.detail = r.detail;
    c.status.last_run_ms = now;
    c.status.duration_us = r.duration_us;
    if (verbose_)
      log_event("check", {{"service", s.config.name},
                          {"backend", b.config.address.to_string()},
                          {"check", c.status.target},
                          {"ok", r.ok ? "true" : "false"},
                          {"detail", r.detail},
                          {"duration_us", std::to_string(r.duration_us)}});
    if (!c.health.record(r.ok)) return;
    // Healthy: every check that has a result passes (a check added by a reload does not take
    // a serving backend out before it has run).
    bool known = false, healthy = true;
    for (const auto& k : b.checks) {
      known = known || k.health.known();
      if (k.health.known() && !k.health.healthy()) healthy = false;
    }
    healthy = healthy && known;
    // A backend starts down; its first result is logged even when it stays down.
    if (healthy == b.healthy && b.decided) return;
    b.decided = true;
    if (healthy == b.healthy) {
      LogFields f = service_fields(s.config);
      f.emplace_back("backend", b.config.address.to_string());
      f.emplace_back("check", c.status.target);
      f.emplace_back("reason", r.detail);
      log_event("backend_down", f);
      return;
    }
    b.healthy = healthy;
    b.since_ms = now;
    LogFields f = service_fields(s.config);
    f.emplace_back("backend", b.config.address.to_string());
    f.emplace_back("check", c.status.target);
    if (!healthy) f.emplace_back("reason", r.detail);
    f.emplace_back("duration_us", std::to_string(r.duration_us));
    log_event(healthy ? "backend_up" : "backend_down", f);
    try {
      client_.update_destination(s.config.service, destination(s, b));
    } catch (const std::exception& e) {
      log_event("update_failed", {{"service", s.config.name},
                                  {"backend", b.config.address.to_string()},
                                  {"error", e.what()}});
    }
    settle(now, false, events);
  }
  notify(events, {});
}

void Daemon::settle(std::uint64_t now, bool announce_all, VipEvents& events) {
  std::map<xvs::IPAddr, bool> vip_health;
  for (auto& s : services_) {
    unsigned up = 0;
    for (const auto& b : s.backends) up += backend_in_service(b) ? 1 : 0;
    bool healthy = up >= s.config.need;
    if (healthy != s.healthy) {
      s.healthy = healthy;
      s.since_ms = now;
      LogFields f = service_fields(s.config);
      f.emplace_back("healthy_backends", std::to_string(up));
      f.emplace_back("need", std::to_string(s.config.need));
      log_event(healthy ? "service_up" : "service_down", f);
    }
    auto [it, fresh] = vip_health.emplace(s.config.service.address, healthy);
    if (!fresh) it->second = it->second && healthy;
  }
  for (const auto& [vip, healthy] : vip_health) {
    auto [it, fresh] = vips_.emplace(vip, VipState{false, now});
    VipState& v = it->second;
    bool changed = healthy != v.healthy;
    if (changed) {
      v.healthy = healthy;
      v.since_ms = now;
      log_event(healthy ? "vip_up" : "vip_down", {{"vip", vip.to_string()}});
    }
    if (changed || announce_all || fresh) events.emplace_back(vip, healthy);
  }
}

void Daemon::notify(const VipEvents& events, const std::vector<xvs::IPAddr>& removed) {
  for (const auto& l : listeners_) {
    for (const auto& vip : removed) l->vip_removed(vip);
    for (const auto& [vip, healthy] : events) l->vip_health(vip, healthy);
  }
}

ReloadResult Daemon::reload() {
  std::lock_guard serial(reload_mutex_);
  std::string file;
  {
    std::lock_guard lock(mutex_);
    file = config_.file;
  }
  Config next;
  try {
    next = load_config(file);
  } catch (const ConfigError& e) {
    std::lock_guard lock(mutex_);
    last_reload_error_ = e.what();
    log_event("reload_rejected", {{"error", e.what()}});
    return {false, e.what()};
  }
  for (const auto& w : next.warnings) log_event("config_warning", {{"warning", w}});
  VipEvents events;
  std::vector<xvs::IPAddr> removed;
  {
    std::lock_guard lock(mutex_);
    try {
      apply(next);
    } catch (const std::exception& e) {
      std::string message = fmt::format("{}: refused by the data plane: {}", file, e.what());
      last_reload_error_ = message;
      log_event("reload_rejected", {{"error", message}});
      return {false, message};
    }
    config_ = std::move(next);
    ++generation_;
    last_reload_error_.clear();
    std::set<xvs::IPAddr> present;
    for (const auto& s : services_) present.insert(s.config.service.address);
    for (auto it = vips_.begin(); it != vips_.end();) {
      if (present.contains(it->first)) {
        ++it;
        continue;
      }
      removed.push_back(it->first);
      log_event("vip_removed", {{"vip", it->first.to_string()}});
      it = vips_.erase(it);
    }
    settle(now_ms(), true, events);
    start_checks();
    log_event("reload_accepted", {{"generation", std::to_string(generation_)},
                                  {"services", std::to_string(services_.size())}});
  }
  notify(events, removed);
  return {true, fmt::format("generation {}: {} services", generation_, services_.size())};
}

Status Daemon::snapshot() {
  std::lock_guard lock(mutex_);
  Status st;
  st.taken_ms = now_ms();
  st.started_ms = started_ms_;
  st.config_file = config_.file;
  st.config_generation = generation_;
  st.last_reload_error = last_reload_error_;
  st.interfaces = interfaces_;
  try {
    st.info = client_.info();
  } catch (const std::exception&) {
  }
  std::map<Key, xvs::ServiceExtended> data;
  try {
    for (auto& s : client_.services()) data[key_of(s.service)] = s;
  } catch (const std::exception&) {
  }
  std::map<xvs::IPAddr, std::size_t> vip_index;
  for (const auto& s : services_) {
    auto [it, fresh] = vip_index.emplace(s.config.service.address, st.vips.size());
    if (fresh) {
      VipStatus v;
      v.address = s.config.service.address;
      if (auto vs = vips_.find(v.address); vs != vips_.end()) {
        v.healthy = vs->second.healthy;
        v.since_ms = vs->second.since_ms;
      }
      try {
        v.data = client_.vip(v.address);
      } catch (const std::exception&) {
        v.data.address = v.address;
      }
      st.vips.push_back(std::move(v));
    }
    ServiceStatus ss;
    ss.name = s.config.name;
    ss.description = s.config.description;
    ss.need = s.config.need;
    ss.healthy = s.healthy;
    ss.since_ms = s.since_ms;
    if (auto d = data.find(key_of(s.config.service)); d != data.end()) ss.data = d->second;
    else ss.data.service = s.config.service;
    std::vector<xvs::DestinationExtended> dests;
    try {
      dests = client_.destinations(s.config.service);
    } catch (const std::exception&) {
    }
    for (const auto& b : s.backends) {
      BackendStatus bs;
      bs.address = b.config.address;
      bs.nat = b.nat;
      bs.healthy = b.healthy;
      bs.administratively_disabled = b.config.disabled;
      bs.since_ms = b.since_ms;
      for (const auto& c : b.checks) bs.checks.push_back(c.status);
      bs.data.destination = destination(s, b);
      for (const auto& d : dests)
        if (d.destination.address == b.config.address) bs.data = d;
      ss.backends.push_back(std::move(bs));
    }
    st.vips[it->second].services.push_back(std::move(ss));
  }
  return st;
}

StatusSource Daemon::source() {
  return StatusSource{[this] { return snapshot(); }, [this] { return reload(); }};
}

}  // namespace xvsd
