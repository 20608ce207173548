// SPDX-License-Identifier: Apache-2.0
// xvs::Client: construction order, locking and delegation. The desired state and the one
// path that programs it into the data plane are control/service_table.hpp; the background
// thread is control/refresher.hpp; what the Client reports is control/telemetry.hpp.
#include <xvs/client.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "api/validate.hpp"
#include "control/active.hpp"
#include "control/latency_window.hpp"
#include "control/paths.hpp"
#include "control/refresher.hpp"
#include "control/service_maps.hpp"
#include "control/service_table.hpp"
#include "control/telemetry.hpp"
#include "dataplane/clock.hpp"
#include "dataplane/dataplane.hpp"
#include "dataplane/entries.hpp"
#include "dataplane/flow_maps.hpp"
#include "dataplane/flows.hpp"
#include "dataplane/nat_pairs.hpp"
#include "dataplane/xdp_attachment.hpp"
#include "net/natns.hpp"
#include "net/netinfo.hpp"
#include "net/netlink.hpp"
#include "net/net_tracker.hpp"
#include "net/pinger.hpp"

namespace xvs {
using namespace detail;

namespace {

std::vector<int> interface_indexes(const std::vector<std::string>& names) {
  if (names.empty()) throw Error(Errc::invalid_argument, "no interface given");
  std::vector<int> out;
  std::set<std::string> seen;
  for (const auto& name : names) {
    if (!seen.insert(name).second)
      throw Error(Errc::invalid_argument, fmt::format("interface \"{}\" given twice", name));
    int ifindex = interface_index(name);
    if (ifindex == 0)
      throw Error(Errc::invalid_argument, fmt::format("unknown interface \"{}\"", name));
    out.push_back(ifindex);
  }
  return out;
}

// The probes' MTU leaves room for the largest tunnel overhead (IPv6 + UDP + GUE) on the
// smallest attached interface, so that a probe always fits.
std::uint32_t nat_mtu(const NetSnapshot& net, const std::vector<int>& attached) {
  constexpr std::uint32_t kOverhead = 64, kMinimum = 1280;
  std::uint32_t mtu = 1500;
  for (const Link& l : net.links)
    if (std::find(attached.begin(), attached.end(), l.ifindex) != attached.end())
      mtu = std::min(mtu, l.mtu);
  return std::max(mtu > kOverhead ? mtu - kOverhead : 0, kMinimum);
}

Options validated(Options o) {
  validate_vlans(o.ipv4_vlans, o.ipv6_vlans, o.routes);
  return o;
}

}  // namespace

class Client::Impl {
public:
  Impl(std::vector<std::string> interfaces, Options options);

  Options options_;
  std::vector<std::string> names_;
  Dataplane dp_;
  FlowMaps flow_maps_;
  ActiveFlows active_flows_;
  NatPairs nat_pairs_;
  DataplaneMaps maps_{dp_, flow_maps_, &nat_pairs_};

  mutable std::mutex mu_;  // guards everything below
  KernelPaths paths_;
  NetTracker tracker_;  // keeps paths_.net current, through the refresher
  ServiceTable table_;
  LatencyWindow latency_;
  // Flow sharing is switched on in the data plane once used (docs/flows.md).
  std::atomic<bool> queue_flows_{false};
  bool shared_flows_ = false;

  // Before attachments_, so that the forwarding program is detached before the pair it
  // redirects into goes.
  std::optional<NatNamespace> nat_ns_;
  std::vector<XdpAttachment> attachments_;
  Pinger pinger_;
  std::optional<Refresher> refresher_;

  void log(std::string_view msg, const LogFields& fields = {}) const {
    if (options_.logger) options_.logger->debug(msg, fields);
  }
  void write_settings();  // with mu_ held
  void store_flow(std::span<const std::uint8_t>);
};

Client::Impl::Impl(std::vector<std::string> interfaces, Options options)
    : options_(validated(std::move(options))),
      names_(std::move(interfaces)),
      dp_(options_.bpf_program.empty() ? embedded_object()
                                       : std::span<const std::uint8_t>(options_.bpf_program),
          options_.flows_per_cpu ? options_.flows_per_cpu : XVS_DEFAULT_FLOWS_PER_CPU,
          options_.pin_path,
          [this](const std::string& what) { log("pinned state", {{"event", what}}); }),
      flow_maps_(dp_),
      active_flows_(dp_),
      nat_pairs_(dp_),
      // Kept flow entries (pin_path) name generations up to the floor: never reuse one.
      table_(maps_, paths_, flow_maps_.generation_floor(),
             [this](std::string_view msg, const LogFields& f) { log(msg, f); }) {
  paths_.attached = interface_indexes(names_);
  paths_.config.ipv4_vlans = options_.ipv4_vlans;
  paths_.config.ipv6_vlans = options_.ipv6_vlans;
  paths_.config.routes = options_.routes;
  paths_.net = tracker_.snapshot();
  nat_ns_.emplace(nat_mtu(paths_.net, paths_.attached), options_.driver_mode);
  nat_ns_->attach(dp_.program_fd("xvs_nat"), dp_.program_fd("xvs_nat_reflect"));
  write_settings();
  for (std::size_t i = 0; i < paths_.attached.size(); i++) {
    if (i > 0 && options_.interface_init_delay > 0)
      std::this_thread::sleep_for(std::chrono::seconds(options_.interface_init_delay));
    attachments_.emplace_back(dp_.program_fd(), paths_.attached[i], options_.driver_mode,
                              options_.replace_xdp);
    log("attached", {{"interface", names_[i]},
                     {"mode", options_.driver_mode ? "native" : "generic"}});
  }
  refresher_.emplace(Refresher::Parts{
      mu_, table_, paths_, tracker_, active_flows_, pinger_,
      [this] {
        // The heartbeat proves the control plane alive; without it the data plane fails open.
        write_settings();
        const xvs_reasons r = dp_.reasons();
        latency_.record(monotonic_ns(), r.latency_ns, r.latency_samples);
      },
      [this](std::string_view msg, const LogFields& f) { log(msg, f); }});
}

void Client::Impl::write_settings() {
  std::uint32_t flags = 0;
  if (paths_.attached.size() > 1 && !options_.bonding) flags |= XVS_SETTINGS_MULTI_INTERFACE;
  if (queue_flows_) flags |= XVS_SETTINGS_QUEUE_FLOWS;
  if (shared_flows_) flags |= XVS_SETTINGS_SHARED_FLOWS;
  dp_.set_settings(settings_entry(monotonic_ns(), flags, nat_ns_ ? nat_ns_->ifindex() : 0));
}

// A record naming a service or backend unknown here is refused like a malformed one: the
// caller learns that the peers' configurations differ.
void Client::Impl::store_flow(std::span<const std::uint8_t> bytes) {
  const FlowRecord r = decode_flow(bytes);
  check_age(r, std::time(nullptr));
  const Service s = service_of(r);
  std::lock_guard lock(mu_);
  const auto it = table_.services().find(id_of(s));
  if (it == table_.services().end())
    throw Error(Errc::invalid_argument,
                fmt::format("flow record for service {}, which does not exist", describe(s)));
  const auto d = it->second.dests.find(r.backend);
  if (d == it->second.dests.end())
    throw Error(Errc::invalid_argument,
                fmt::format("flow record for backend {}, which is not a destination of {}",
                            r.backend, describe(s)));
  flow_maps_.set_shared(flow_key(r), r.backend, d->second.index, d->second.generation,
                        monotonic_ns());
  if (!shared_flows_) {
    shared_flows_ = true;
    write_settings();
  }
}

// --- Client --------------------------------------------------------------------------------

Client::Client(std::vector<std::string> interfaces, Options options)
    : impl_(std::make_unique<Impl>(std::move(interfaces), std::move(options))) {}
Client::~Client() = default;

Info Client::info() {
  std::lock_guard lock(impl_->mu_);
  return info_view(impl_->dp_, impl_->flow_maps_, impl_->nat_pairs_, impl_->table_,
                   impl_->latency_, impl_->nat_ns_->ipv6());
}

Config Client::config() {
  std::lock_guard lock(impl_->mu_);
  return impl_->paths_.config;
}

// A config the data plane cannot be brought in line with is not kept.
void Client::set_config(const Config& c) {
  validate_config(c);
  std::lock_guard lock(impl_->mu_);
  const Config before = std::exchange(impl_->paths_.config, c);
  try {
    impl_->table_.commit_all();
  } catch (...) {
    impl_->paths_.config = before;
    try {
      impl_->table_.commit_all();
    } catch (const Error& e) {
      impl_->log("restoring the config failed", {{"error", e.what()}});
    }
    throw;
  }
  impl_->refresher_->wake();
}

std::vector<ServiceExtended> Client::services() {
  std::lock_guard lock(impl_->mu_);
  std::vector<ServiceExtended> out;
  for (const auto& [_, ss] : impl_->table_.services()) out.push_back(extended(ss, impl_->dp_));
  return out;
}

ServiceExtended Client::service(const Service& s) {
  std::lock_guard lock(impl_->mu_);
  return extended(impl_->table_.find(s), impl_->dp_);
}

void Client::create_service(const Service& s) {
  validate_service(s);
  std::lock_guard lock(impl_->mu_);
  impl_->table_.create_service(s);
}

void Client::update_service(const Service& s) {
  validate_service(s);
  std::lock_guard lock(impl_->mu_);
  impl_->table_.update_service(s);
}

void Client::remove_service(const Service& s) {
  validate_service(s);
  std::lock_guard lock(impl_->mu_);
  impl_->table_.remove_service(s);
}

std::vector<DestinationExtended> Client::destinations(const Service& s) {
  std::lock_guard lock(impl_->mu_);
  std::vector<DestinationExtended> out;
  for (const auto& [_, d] : impl_->table_.find(s).dests) out.push_back(extended(d, impl_->dp_));
  return out;
}

void Client::create_destination(const Service& s, const Destination& d) {
  validate_service(s);
  validate_destination(d);
  std::lock_guard lock(impl_->mu_);
  impl_->table_.create_destination(s, d);
  if (impl_->table_.resolving(s)) impl_->refresher_->wake();  // resolve it soon
}

void Client::update_destination(const Service& s, const Destination& d) {
  validate_service(s);
  validate_destination(d);
  std::lock_guard lock(impl_->mu_);
  impl_->table_.update_destination(s, d);
}

void Client::remove_destination(const Service& s, const Destination& d) {
  validate_service(s);
  validate_destination(d);
  std::lock_guard lock(impl_->mu_);
  impl_->table_.remove_destination(s, d);
}

void Client::set_service(const Service& s, const std::vector<Destination>& ds) {
  validate_service(s);
  for (const auto& d : ds) validate_destination(d);
  std::lock_guard lock(impl_->mu_);
  impl_->table_.set_service(s, ds);
  if (impl_->table_.resolving(s)) impl_->refresher_->wake();
}

std::vector<VIP> Client::vips() {
  std::lock_guard lock(impl_->mu_);
  std::vector<VIP> out;
  for (const auto& [addr, v] : impl_->table_.vips())
    out.push_back(vip_view(addr, v, impl_->table_, impl_->dp_));
  return out;
}

VIP Client::vip(const IPAddr& addr) {
  std::lock_guard lock(impl_->mu_);
  const auto it = impl_->table_.vips().find(addr);
  if (it == impl_->table_.vips().end())
    throw Error(Errc::service_not_found, fmt::format("no service has VIP {}", addr));
  return vip_view(addr, it->second, impl_->table_, impl_->dp_);
}

IPAddr Client::nat(const IPAddr& vip, const IPAddr& backend) {
  std::lock_guard lock(impl_->mu_);
  return impl_->nat_pairs_.address(vip, backend);
}

// --- flow sharing (docs/flows.md) ---------------------------------------------------------

std::vector<std::uint8_t> Client::read_flow() {
  if (!impl_->queue_flows_.exchange(true)) {
    std::lock_guard lock(impl_->mu_);
    impl_->write_settings();
  }
  const std::uint64_t now = monotonic_ns();
  for (;;) {  // ends: the queue is bounded
    auto event = impl_->flow_maps_.pop_recent(now);
    if (!event) return {};
    // The record's time is wall-clock, the only clock peers share (docs/flows.md).
    const auto waited_s =
        static_cast<std::time_t>((now - std::min(now, event->time_ns)) / 1000000000);
    std::vector<std::uint8_t> record = encode_flow(
        flow_record(*event, static_cast<std::uint32_t>(std::time(nullptr) - waited_s)));
    // The data plane forwards packets no client sends (source port 0, a loopback source, the
    // VIP as source): their flows make records every peer refuses, so they are not handed out.
    try {
      decode_flow(record);
    } catch (const Error&) {
      continue;
    }
    return record;
  }
}

void Client::write_flow(std::span<const std::uint8_t> record) {
  try {
    impl_->store_flow(record);
  } catch (const Error&) {
    impl_->flow_maps_.note_refused();  // flow_records_refused: forged, stale or foreign records
    throw;
  }
}

}  // namespace xvs
