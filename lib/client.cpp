// SPDX-License-Identifier: Apache-2.0
// xvs::Client: the control plane. Holds the desired state (services, destinations, VLAN
// config), turns it into data-plane entries (entries.hpp) using the network facts
// (netlink.hpp, netinfo.hpp), and keeps them fresh from a background thread that also
// feeds the data plane's watchdog.
#include <xvs/client.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <ctime>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <tuple>

#include <fmt/format.h>

#include "control/active.hpp"
#include "dataplane/dataplane.hpp"
#include "dataplane/entries.hpp"
#include "dataplane/flow_maps.hpp"
#include "dataplane/flows.hpp"
#include "control/maglev.hpp"
#include "dataplane/metrics.hpp"
#include "dataplane/nat_pairs.hpp"
#include "net/natns.hpp"
#include "net/netinfo.hpp"
#include "net/netlink.hpp"
#include "net/net_tracker.hpp"
#include "net/pinger.hpp"
#include "control/slots.hpp"
#include "api/validate.hpp"

namespace xvs {
using namespace detail;

namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;
using Clock = std::chrono::steady_clock;

// Background refresh period; shorter while some next hop is still unresolved, so traffic
// starts soon after a neighbour answers.
constexpr auto kRefreshPeriod = std::chrono::milliseconds(1000);
constexpr auto kResolvingPeriod = std::chrono::milliseconds(200);
// Resolved next hops are pinged this often to keep their neighbour entries fresh.
constexpr auto kKeepAlivePing = std::chrono::seconds(10);
// The flow table is walked this often to estimate active connections (active.hpp).
constexpr auto kActiveWalk = std::chrono::seconds(2);

// Identity of a service: sticky is an attribute, not part of the key.
using ServiceId = std::tuple<IPAddr, std::uint16_t, Protocol>;
ServiceId id_of(const Service& s) { return {s.address, s.port, s.protocol}; }

std::string describe(const Service& s) {
  return s.address.is6() ? fmt::format("[{}]:{}/{}", s.address, s.port, to_string(s.protocol))
                         : fmt::format("{}:{}/{}", s.address, s.port, to_string(s.protocol));
}

std::uint64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ull +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

Stats stats_of(const xvs_counters& c) { return {c.flows, c.packets, c.octets}; }

bool takes_new_flows(const Destination& d) { return !d.disable && d.weight > 0; }

struct DestState {
  Destination config;
  std::uint16_t index = 0;
  std::uint32_t generation = 0;
  std::optional<NextHop> hop;  // from the last resolution
  std::string problem;         // last resolution problem, logged when it changes
  xvs_dest entry{};            // as last written to the data plane
  std::uint32_t active = 0;    // recent flows, from the last walk of the flow table
};

struct ServiceState {
  Service config;
  std::uint32_t slot = 0;
  std::map<IPAddr, DestState> dests;
  // What the Maglev table in the data plane was built from: (dest index, weight) of each
  // backend in use, plus flags. Rebuilding is skipped when unchanged.
  std::vector<std::pair<std::uint16_t, std::uint16_t>> built_from;
  std::uint32_t built_flags = ~0u;
};

struct VipState {
  std::uint32_t slot = 0;
  int services = 0;
};

}  // namespace

class Client::Impl {
public:
  Impl(std::vector<std::string> interfaces, Options options);
  ~Impl();

  Info info();
  Config config();
  void set_config(const Config&);
  std::vector<ServiceExtended> services();
  ServiceExtended service(const Service&);
  void create_service(const Service&);
  void update_service(const Service&);
  void remove_service(const Service&);
  std::vector<DestinationExtended> destinations(const Service&);
  void create_destination(const Service&, const Destination&);
  void update_destination(const Service&, const Destination&);
  void remove_destination(const Service&, const Destination&);
  void set_service(const Service&, const std::vector<Destination>&);
  std::vector<VIP> vips();
  VIP vip(const IPAddr&);
  IPAddr nat(const IPAddr& vip, const IPAddr& backend);
  std::vector<std::uint8_t> read_flow();
  void write_flow(std::span<const std::uint8_t>);
  void store_flow(std::span<const std::uint8_t>);  // write_flow() but for counting refusals

private:
  // Detaches on destruction what it attached, so a constructor that throws half way leaves
  // no program on any interface.
  class Attachments {
  public:
    Attachments(Dataplane& dp, bool native) : dp_(dp), native_(native) {}
    ~Attachments() {
      for (int ifindex : attached_) dp_.detach(ifindex, native_);
    }
    void attach(int ifindex) {
      dp_.attach(ifindex, native_);
      attached_.push_back(ifindex);
    }

  private:
    Dataplane& dp_;
    bool native_;
    std::vector<int> attached_;
  };

  void log(std::string_view msg, const Fields& fields = {}) const {
    if (options_.logger) options_.logger->debug(msg, fields);
  }

  ServiceState& find(const Service& s);
  DestState& find(ServiceState& ss, const Destination& d);
  void check_destination_capacity(const ServiceState* ss, const std::vector<Destination>& ds);
  ServiceState& add_service(const Service& s);
  void add_destination(ServiceState& ss, const Destination& d);
  std::uint16_t forget_destination(ServiceState& ss, std::map<IPAddr, DestState>::iterator it);
  void retire(std::span<const std::uint16_t> indexes);
  void sync(ServiceState& ss);
  void sync_all();
  void sync_nat(const IPAddr& vip);
  xvs_nat nat_entry(const IPAddr& vip, const IPAddr& backend, const DestState& d) const;
  void write_settings();
  DestinationExtended extended(const DestState& d) const;
  ServiceExtended extended(const ServiceState& ss) const;
  void refresh_loop();
  void network_changed();
  void store_active(const ActiveCounts& counts);
  std::uint64_t current(const ServiceState& ss) const;
  std::uint64_t current_of_vip(const IPAddr& vip) const;
  std::vector<std::pair<IPAddr, int>> hops_to_ping(Clock::time_point now);
  bool any_unresolved() const;

  Options options_;
  std::vector<std::string> names_;
  std::vector<int> ifindexes_;
  Dataplane dp_;
  FlowMaps flow_maps_;
  ActiveFlows active_flows_;
  NatPairs nat_pairs_;
  // Before attachments_, so that the forwarding program is detached before the pair it
  // redirects into goes.
  std::optional<NatNamespace> nat_ns_;
  Attachments attachments_;
  Pinger pinger_;

  mutable std::mutex mu_;
  Config config_;
  NetSnapshot net_;
  std::map<ServiceId, ServiceState> services_;
  std::map<IPAddr, VipState> vips_;
  Slots vip_slots_{1, XVS_MAX_VIPS};
  Slots service_slots_{1, XVS_MAX_SERVICES};
  Slots dest_slots_{1, XVS_MAX_DESTINATIONS - 1};
  std::uint32_t generation_ = 0;
  // Next hop (address, interface: a link-local one is only meaningful with it) -> last ping.
  std::map<std::pair<IPAddr, int>, Clock::time_point> pinged_;
  // Flow sharing is switched on in the data plane once used (docs/flows.md).
  std::atomic<bool> queue_flows_{false};
  bool shared_flows_ = false;

  std::condition_variable wake_;
  bool stop_ = false;
  bool net_changed_ = false;  // a netlink event arrived since the last dump
  std::thread refresher_;
  // Last: its thread calls network_changed(), so it must stop before the rest goes.
  NetTracker tracker_{[this] { network_changed(); }};
};

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

// The pair's MTU leaves room for the largest tunnel overhead (IPv6 + UDP + GUE) on the
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

Client::Impl::Impl(std::vector<std::string> interfaces, Options options)
    : options_(validated(std::move(options))),
      names_(std::move(interfaces)),
      ifindexes_(interface_indexes(names_)),
      dp_(options_.bpf_program.empty() ? embedded_object()
                                       : std::span<const std::uint8_t>(options_.bpf_program),
          options_.flows_per_cpu ? options_.flows_per_cpu : XVS_DEFAULT_FLOWS_PER_CPU,
          options_.pin_path,
          [this](const std::string& what) { log("pinned state", {{"event", what}}); }),
      flow_maps_(dp_),
      active_flows_(dp_),
      nat_pairs_(dp_),
      attachments_(dp_, options_.driver_mode) {
  // Kept flow entries (pin_path) name generations up to the floor: never reuse one.
  generation_ = flow_maps_.generation_floor();
  config_.ipv4_vlans = options_.ipv4_vlans;
  config_.ipv6_vlans = options_.ipv6_vlans;
  config_.routes = options_.routes;
  net_ = tracker_.snapshot();
  nat_ns_.emplace(nat_mtu(net_, ifindexes_));
  nat_ns_->attach(dp_.program_fd("xvs_nat"), dp_.program_fd("xvs_nat_reflect"),
                  options_.driver_mode);
  write_settings();
  for (std::size_t i = 0; i < ifindexes_.size(); i++) {
    if (i > 0 && options_.interface_init_delay > 0)
      std::this_thread::sleep_for(std::chrono::seconds(options_.interface_init_delay));
    attachments_.attach(ifindexes_[i]);
    log("attached", {{"interface", names_[i]},
                     {"mode", options_.driver_mode ? "native" : "generic"}});
  }
  refresher_ = std::thread([this] { refresh_loop(); });
}

Client::Impl::~Impl() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (refresher_.joinable()) refresher_.join();
  // Members detach (attachments_) and unload (dp_) in reverse order of declaration.
}

void Client::Impl::write_settings() {
  xvs_settings s{};
  s.heartbeat_ns = monotonic_ns();
  if (ifindexes_.size() > 1 && !options_.bonding) s.flags |= XVS_SETTINGS_MULTI_INTERFACE;
  if (queue_flows_) s.flags |= XVS_SETTINGS_QUEUE_FLOWS;
  if (shared_flows_) s.flags |= XVS_SETTINGS_SHARED_FLOWS;
  if (nat_ns_) {
    s.nat_ifindex = static_cast<std::uint32_t>(nat_ns_->ifindex());
    std::copy(kNatHostMac.begin(), kNatHostMac.end(), s.nat_mac);
    std::copy(kNatPeerMac.begin(), kNatPeerMac.end(), s.nat_peer_mac);
  }
  dp_.set_settings(s);
}

// --- lookups -------------------------------------------------------------------------------

ServiceState& Client::Impl::find(const Service& s) {
  auto it = services_.find(id_of(s));
  if (it == services_.end())
    throw Error(Errc::service_not_found, fmt::format("service {} does not exist", describe(s)));
  return it->second;
}

DestState& Client::Impl::find(ServiceState& ss, const Destination& d) {
  auto it = ss.dests.find(d.address);
  if (it == ss.dests.end())
    throw Error(Errc::destination_not_found,
                fmt::format("destination {} of service {} does not exist", d.address,
                            describe(ss.config)));
  return it->second;
}

// --- state changes -------------------------------------------------------------------------
// Every public mutator validates and checks capacity first, then applies: an error never
// leaves a change half made.

void Client::Impl::check_destination_capacity(const ServiceState* ss,
                                              const std::vector<Destination>& ds) {
  std::size_t added = 0, enabled = 0;
  for (const auto& d : ds) {
    if (!ss || !ss->dests.contains(d.address)) added++;
    if (takes_new_flows(d)) enabled++;
  }
  std::size_t freed = 0;
  if (ss)
    for (const auto& [addr, _] : ss->dests)
      if (std::none_of(ds.begin(), ds.end(), [&](const auto& d) { return d.address == addr; }))
        freed++;
  if (enabled > XVS_MAX_BACKENDS)
    throw Error(Errc::capacity,
                fmt::format("{} enabled destinations for one service; the limit is {}", enabled,
                            XVS_MAX_BACKENDS));
  if (added > dest_slots_.available() + freed)
    throw Error(Errc::capacity,
                fmt::format("{} more destinations do not fit: the data plane holds {}", added,
                            XVS_MAX_DESTINATIONS - 1));
}

ServiceState& Client::Impl::add_service(const Service& s) {
  bool new_vip = !vips_.contains(s.address);
  if (service_slots_.available() == 0)
    throw Error(Errc::capacity, fmt::format("cannot create service {}: the limit is {} services",
                                            describe(s), XVS_MAX_SERVICES));
  if (new_vip && vip_slots_.available() == 0)
    throw Error(Errc::capacity, fmt::format("cannot create VIP {}: the limit is {} VIPs",
                                            s.address, XVS_MAX_VIPS));
  ServiceState ss;
  ss.config = s;
  ss.slot = *service_slots_.take();
  dp_.reset_counters(XVS_COUNTERS_SERVICE(ss.slot));
  VipState& vip = vips_[s.address];
  if (new_vip) {
    vip.slot = *vip_slots_.take();
    dp_.reset_counters(XVS_COUNTERS_VIP(vip.slot));
  }
  vip.services++;
  auto& placed = services_.emplace(id_of(s), std::move(ss)).first->second;
  sync(placed);  // the service entry first: a VIP without it would drop as err_no_service
  if (new_vip) dp_.set_vip(to_abi(s.address), xvs_vip{vip.slot, 0});
  log("service created", {{"service", describe(s)}});
  return placed;
}

void Client::Impl::add_destination(ServiceState& ss, const Destination& d) {
  DestState ds;
  ds.config = d;
  ds.index = static_cast<std::uint16_t>(*dest_slots_.take());
  ds.generation = ++generation_;
  flow_maps_.reserve_generation(ds.generation);
  flow_maps_.bind_backend(ss.config, d.address, ds.index, ds.generation);
  dp_.reset_counters(XVS_COUNTERS_DEST(ds.index));
  ss.dests.emplace(d.address, std::move(ds));
  log("destination created",
      {{"service", describe(ss.config)}, {"destination", d.address.to_string()}});
}

// Forgets a destination and returns its index. The caller syncs the service (so the table
// stops naming it) and then retires the index.
std::uint16_t Client::Impl::forget_destination(ServiceState& ss,
                                               std::map<IPAddr, DestState>::iterator it) {
  std::uint16_t index = it->second.index;
  flow_maps_.unbind_backend(ss.config, it->first);
  log("destination removed", {{"service", describe(ss.config)},
                              {"destination", it->first.to_string()}});
  ss.dests.erase(it);
  return index;
}

// Clears destination entries no table names any more. Generation 0 never matches a flow,
// so flows pinned to these indexes are re-hashed.
void Client::Impl::retire(std::span<const std::uint16_t> indexes) {
  for (std::uint16_t index : indexes) {
    dp_.set_dest(index, xvs_dest{});
    dest_slots_.release(index);
  }
}

// Brings the data plane in line with one service: destination entries (re-resolving next
// hops from the current snapshot), then the Maglev table over the usable destinations.
void Client::Impl::sync(ServiceState& ss) {
  std::vector<MaglevBackend> backends;
  std::vector<std::uint16_t> indexes;
  std::vector<std::pair<std::uint16_t, std::uint16_t>> built_from;
  for (auto& [addr, d] : ss.dests) {
    bool layer2 = d.config.tunnel_type == TunnelType::None;
    Resolution r = resolve(net_, config_, ifindexes_, addr, layer2);
    if (r.problem != d.problem) {
      if (!r.problem.empty())
        log("destination unreachable",
            {{"destination", addr.to_string()}, {"problem", r.problem}});
      d.problem = r.problem;
    }
    d.hop = r.next_hop;
    const NextHop* hop = d.hop ? &*d.hop : nullptr;
    xvs_dest entry = dest_entry(d.config, hop, ss.slot, d.generation);
    if (std::memcmp(&entry, &d.entry, sizeof entry) != 0) {
      dp_.set_dest(d.index, entry);
      if ((entry.flags ^ d.entry.flags) & XVS_DEST_READY)
        log(entry.flags & XVS_DEST_READY ? "destination ready" : "destination not ready",
            {{"destination", addr.to_string()}, {"mac", to_string(MAC{entry.mac[0], entry.mac[1],
                                                     entry.mac[2], entry.mac[3], entry.mac[4],
                                                     entry.mac[5]})}});
      d.entry = entry;
    }
    if (takes_new_flows(d.config) && (entry.flags & XVS_DEST_READY)) {
      MaglevBackend b;
      b.key = maglev_key(addr);
      b.weight = d.config.weight;
      backends.push_back(b);
      indexes.push_back(d.index);
      built_from.emplace_back(d.index, d.config.weight);
    }
  }
  std::uint32_t flags = ss.config.sticky ? XVS_SERVICE_STICKY : 0;
  if (built_from == ss.built_from && flags == ss.built_flags) return;

  std::vector<std::uint16_t> table = maglev_table(backends, XVS_MAGLEV_SIZE);
  auto value = std::make_unique<xvs_service>();
  fill_service(*value, ss.config, ss.slot, vips_.at(ss.config.address).slot, table, indexes);
  dp_.set_service(service_key(ss.config), *value);
  ss.built_from = std::move(built_from);
  ss.built_flags = flags;
}

void Client::Impl::sync_all() {
  for (auto& [_, ss] : services_) sync(ss);
  for (const auto& [vip, _] : vips_) sync_nat(vip);
}

// Where probes to the NAT address of (vip, backend) go: the backend's path in the first of
// the VIP's services that has it (by port, then protocol), from our address of the VIP's
// family on that backend's network. Entries that cannot be sent from drop in the program.
xvs_nat Client::Impl::nat_entry(const IPAddr& vip, const IPAddr& backend,
                                const DestState& d) const {
  xvs_nat e{};
  e.vip = to_abi(vip);
  e.dest = d.index;
  e.generation = d.generation;
  if (d.hop) {
    const IPAddr src = vip.is4() == backend.is4() ? d.hop->src
                                                  : address_on(net_, d.hop->link, vip.is4());
    if (src.valid()) e.saddr = to_abi(src);
    // A probe starts untagged; the backend's network may be a tagged VLAN of the trunk.
    if (d.hop->link != d.hop->ifindex) e.vlan = d.hop->vlan_id;
  }
  return e;
}

void Client::Impl::sync_nat(const IPAddr& vip) {
  std::map<IPAddr, xvs_nat> entries;
  for (auto it = services_.lower_bound({vip, 0, Protocol{}});
       it != services_.end() && std::get<0>(it->first) == vip; ++it)
    for (const auto& [backend, d] : it->second.dests)
      if (!entries.contains(backend)) entries.emplace(backend, nat_entry(vip, backend, d));
  nat_pairs_.set(vip, entries);
}

void Client::Impl::create_service(const Service& s) {
  validate_service(s);
  std::lock_guard lock(mu_);
  if (services_.contains(id_of(s)))
    throw Error(Errc::service_exists, fmt::format("service {} already exists", describe(s)));
  add_service(s);
  sync_nat(s.address);
}

void Client::Impl::update_service(const Service& s) {
  validate_service(s);
  std::lock_guard lock(mu_);
  ServiceState& ss = find(s);
  ss.config = s;
  sync(ss);
  sync_nat(s.address);
}

void Client::Impl::remove_service(const Service& s) {
  validate_service(s);
  std::lock_guard lock(mu_);
  auto it = services_.find(id_of(s));
  if (it == services_.end())
    throw Error(Errc::service_not_found, fmt::format("service {} does not exist", describe(s)));
  VipState& vip = vips_.at(s.address);
  if (--vip.services == 0) {
    // The VIP goes first: its traffic passes to the host from now on.
    dp_.erase_vip(to_abi(s.address));
    dp_.erase_service(service_key(s));
    vip_slots_.release(vip.slot);
    vips_.erase(s.address);
  } else {
    dp_.erase_service(service_key(s));
  }
  std::vector<std::uint16_t> indexes;
  for (const auto& [addr, d] : it->second.dests) {
    flow_maps_.unbind_backend(s, addr);
    indexes.push_back(d.index);
  }
  retire(indexes);
  service_slots_.release(it->second.slot);
  services_.erase(it);
  sync_nat(s.address);
  log("service removed", {{"service", describe(s)}});
}

void Client::Impl::create_destination(const Service& s, const Destination& d) {
  validate_service(s);
  validate_destination(d);
  std::lock_guard lock(mu_);
  ServiceState& ss = find(s);
  if (ss.dests.contains(d.address))
    throw Error(Errc::destination_exists,
                fmt::format("destination {} of service {} already exists", d.address,
                            describe(s)));
  std::vector<Destination> all{d};
  for (const auto& [_, existing] : ss.dests) all.push_back(existing.config);
  check_destination_capacity(&ss, all);
  add_destination(ss, d);
  sync(ss);
  sync_nat(s.address);
  if (const auto& e = ss.dests.at(d.address).entry; !(e.flags & XVS_DEST_READY))
    wake_.notify_all();  // resolve it soon
}

void Client::Impl::update_destination(const Service& s, const Destination& d) {
  validate_service(s);
  validate_destination(d);
  std::lock_guard lock(mu_);
  ServiceState& ss = find(s);
  DestState& ds = find(ss, d);
  std::vector<Destination> all;
  for (const auto& [addr, existing] : ss.dests)
    all.push_back(addr == d.address ? d : existing.config);
  check_destination_capacity(&ss, all);
  ds.config = d;
  sync(ss);
  sync_nat(s.address);
}

void Client::Impl::remove_destination(const Service& s, const Destination& d) {
  validate_service(s);
  validate_destination(d);
  std::lock_guard lock(mu_);
  ServiceState& ss = find(s);
  find(ss, d);
  std::uint16_t index = forget_destination(ss, ss.dests.find(d.address));
  sync(ss);
  sync_nat(s.address);
  retire({&index, 1});
}

void Client::Impl::set_service(const Service& s, const std::vector<Destination>& ds) {
  validate_service(s);
  std::set<IPAddr> seen;
  for (const auto& d : ds) {
    validate_destination(d);
    if (!seen.insert(d.address).second)
      throw Error(Errc::invalid_argument,
                  fmt::format("destination {} listed twice for service {}", d.address,
                              describe(s)));
  }
  std::lock_guard lock(mu_);
  auto it = services_.find(id_of(s));
  ServiceState* existing = it == services_.end() ? nullptr : &it->second;
  check_destination_capacity(existing, ds);
  ServiceState& ss = existing ? *existing : add_service(s);
  ss.config = s;
  std::vector<std::uint16_t> gone;
  for (auto d = ss.dests.begin(); d != ss.dests.end();) {
    auto next = std::next(d);
    if (!seen.contains(d->first)) gone.push_back(forget_destination(ss, d));
    d = next;
  }
  bool unresolved = false;
  for (const auto& d : ds) {
    auto found = ss.dests.find(d.address);
    if (found == ss.dests.end())
      add_destination(ss, d);
    else
      found->second.config = d;
  }
  sync(ss);
  sync_nat(s.address);
  retire(gone);
  for (const auto& [_, d] : ss.dests) unresolved |= !(d.entry.flags & XVS_DEST_READY);
  if (unresolved) wake_.notify_all();
}

void Client::Impl::set_config(const Config& c) {
  validate_config(c);
  std::lock_guard lock(mu_);
  config_ = c;
  sync_all();
  wake_.notify_all();
}

// --- reading -------------------------------------------------------------------------------

Config Client::Impl::config() {
  std::lock_guard lock(mu_);
  return config_;
}

DestinationExtended Client::Impl::extended(const DestState& d) const {
  DestinationExtended out;
  out.destination = d.config;
  out.active_connections = d.active;
  xvs_counters c = dp_.counters(XVS_COUNTERS_DEST(d.index));
  out.stats = stats_of(c);
  out.metrics = counters_metrics(c);
  if (d.entry.flags & XVS_DEST_READY) std::copy(d.entry.mac, d.entry.mac + 6, out.mac.begin());
  return out;
}

ServiceExtended Client::Impl::extended(const ServiceState& ss) const {
  ServiceExtended out;
  out.service = ss.config;
  xvs_counters c = dp_.counters(XVS_COUNTERS_SERVICE(ss.slot));
  out.stats = stats_of(c);
  out.metrics = counters_metrics(c);
  out.metrics["current"] = current(ss);
  return out;
}

std::vector<ServiceExtended> Client::Impl::services() {
  std::lock_guard lock(mu_);
  std::vector<ServiceExtended> out;
  for (const auto& [_, ss] : services_) out.push_back(extended(ss));
  return out;
}

ServiceExtended Client::Impl::service(const Service& s) {
  std::lock_guard lock(mu_);
  return extended(find(s));
}

std::vector<DestinationExtended> Client::Impl::destinations(const Service& s) {
  std::lock_guard lock(mu_);
  std::vector<DestinationExtended> out;
  for (const auto& [_, d] : find(s).dests) out.push_back(extended(d));
  return out;
}

std::vector<VIP> Client::Impl::vips() {
  std::lock_guard lock(mu_);
  std::vector<VIP> out;
  for (const auto& [addr, v] : vips_) {
    xvs_counters c = dp_.counters(XVS_COUNTERS_VIP(v.slot));
    out.push_back(VIP{addr, stats_of(c), counters_metrics(c)});
    out.back().metrics["current"] = current_of_vip(addr);
  }
  return out;
}

VIP Client::Impl::vip(const IPAddr& addr) {
  std::lock_guard lock(mu_);
  auto it = vips_.find(addr);
  if (it == vips_.end())
    throw Error(Errc::service_not_found, fmt::format("no service has VIP {}", addr));
  xvs_counters c = dp_.counters(XVS_COUNTERS_VIP(it->second.slot));
  VIP out{addr, stats_of(c), counters_metrics(c)};
  out.metrics["current"] = current_of_vip(addr);
  return out;
}

IPAddr Client::Impl::nat(const IPAddr& vip, const IPAddr& backend) {
  std::lock_guard lock(mu_);
  return nat_pairs_.address(vip, backend);
}

Info Client::Impl::info() {
  xvs_counters c = dp_.counters(XVS_COUNTERS_GLOBAL);
  xvs_reasons r = dp_.reasons();
  Info out;
  out.stats = stats_of(c);
  out.metrics = counters_metrics(c);
  add_reason_metrics(out.metrics, r);
  flow_maps_.add_metrics(out.metrics);
  out.ipv4 = nat_host_address(false);
  if (nat_ns_->ipv6()) out.ipv6 = nat_host_address(true);
  {
    std::lock_guard lock(mu_);
    nat_pairs_.add_metrics(out.metrics);
    std::uint64_t all = 0;
    for (const auto& [_, ss] : services_) all += current(ss);
    out.metrics["current"] = all;
  }
  add_xvs_global_metrics(out.metrics);
  out.latency = r.latency_samples ? r.latency_ns / r.latency_samples : 0;
  return out;
}

// --- flow sharing (docs/flows.md) ---------------------------------------------------------

std::vector<std::uint8_t> Client::Impl::read_flow() {
  if (!queue_flows_.exchange(true)) {
    std::lock_guard lock(mu_);
    write_settings();
  }
  const std::uint64_t now = monotonic_ns();
  auto event = flow_maps_.pop_recent(now);
  if (!event) return {};
  // The record's time is wall-clock, the only clock peers share (docs/flows.md).
  const auto waited_s = static_cast<std::time_t>((now - std::min(now, event->time_ns)) / 1000000000);
  return encode_flow(flow_record(*event, static_cast<std::uint32_t>(std::time(nullptr) - waited_s)));
}

// A record naming a service or backend unknown here is refused like a malformed one: the
// caller learns that the peers' configurations differ.
void Client::Impl::write_flow(std::span<const std::uint8_t> bytes) {
  try {
    store_flow(bytes);
  } catch (const Error&) {
    flow_maps_.note_refused();  // flow_records_refused: forged, stale or foreign records
    throw;
  }
}

void Client::Impl::store_flow(std::span<const std::uint8_t> bytes) {
  const FlowRecord r = decode_flow(bytes);
  check_age(r, std::time(nullptr));
  const Service s = service_of(r);
  std::lock_guard lock(mu_);
  auto it = services_.find(id_of(s));
  if (it == services_.end())
    throw Error(Errc::invalid_argument,
                fmt::format("flow record for service {}, which does not exist", describe(s)));
  auto d = it->second.dests.find(r.backend);
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

// --- background refresh --------------------------------------------------------------------

bool Client::Impl::any_unresolved() const {
  for (const auto& [_, ss] : services_)
    for (const auto& [__, d] : ss.dests)
      if (!(d.entry.flags & XVS_DEST_READY)) return true;
  return false;
}

// Next hops whose neighbour entry we want the kernel to (re)learn now, with the interface
// their neighbour entry lives on.
std::vector<std::pair<IPAddr, int>> Client::Impl::hops_to_ping(Clock::time_point now) {
  std::set<std::pair<IPAddr, int>> wanted;
  std::vector<std::pair<IPAddr, int>> out;
  for (const auto& [_, ss] : services_)
    for (const auto& [__, d] : ss.dests) {
      if (!d.hop) continue;
      const std::pair hop{d.hop->hop, d.hop->link};
      if (!wanted.insert(hop).second) continue;
      auto last = pinged_.find(hop);
      if (!d.hop->resolved || last == pinged_.end() || now - last->second >= kKeepAlivePing) {
        pinged_[hop] = now;
        out.push_back(hop);
      }
    }
  std::erase_if(pinged_, [&](const auto& p) { return !wanted.contains(p.first); });
  return out;
}

void Client::Impl::refresh_loop() {
  std::unique_lock lock(mu_);
  auto next_walk = Clock::now();
  while (!stop_) {
    // The period paces pings and the heartbeat; network facts come from netlink events.
    if (!net_changed_) wake_.wait_for(lock, any_unresolved() ? kResolvingPeriod : kRefreshPeriod);
    if (stop_) break;
    net_changed_ = false;
    // The tracker keeps the routes that decide these addresses' next hops.
    std::set<IPAddr> destinations;
    for (const auto& [_, ss] : services_)
      for (const auto& [addr, __] : ss.dests) destinations.insert(addr);
    lock.unlock();
    std::optional<NetSnapshot> snapshot;
    try {
      if (tracker_.update(destinations)) snapshot = tracker_.snapshot();
    } catch (const Error& e) {
      log("netlink dump failed", {{"error", e.what()}});
    }
    std::optional<ActiveCounts> active;
    if (Clock::now() >= next_walk) {
      next_walk = Clock::now() + kActiveWalk;
      try {
        active = active_flows_.count(monotonic_ns());
      } catch (const Error& e) {
        log("counting active connections failed", {{"error", e.what()}});
      }
    }
    lock.lock();
    if (stop_) break;
    try {
      // The heartbeat proves the control plane alive; without it the data plane fails open.
      write_settings();
      if (snapshot) {
        net_ = std::move(*snapshot);
        sync_all();
      }
      if (active) store_active(*active);
      for (const auto& [hop, link] : hops_to_ping(Clock::now())) pinger_.ping(hop, link);
    } catch (const Error& e) {
      log("refresh failed", {{"error", e.what()}});
    }
  }
}

// --- live network facts and active connections ------------------------------------------

// From the watcher's thread: update and sync now rather than at the next period.
void Client::Impl::network_changed() {
  {
    std::lock_guard lock(mu_);
    net_changed_ = true;
  }
  wake_.notify_all();
}

// Counts of flows naming an older generation of a slot belong to a removed destination.
void Client::Impl::store_active(const ActiveCounts& counts) {
  for (auto& [_, ss] : services_)
    for (auto& [__, d] : ss.dests) {
      const auto it = counts.find({d.index, d.generation});
      d.active = it == counts.end() ? 0 : it->second;
    }
}

std::uint64_t Client::Impl::current(const ServiceState& ss) const {
  std::uint64_t sum = 0;
  for (const auto& [_, d] : ss.dests) sum += d.active;
  return sum;
}

std::uint64_t Client::Impl::current_of_vip(const IPAddr& vip) const {
  std::uint64_t sum = 0;
  for (const auto& [_, ss] : services_)
    if (ss.config.address == vip) sum += current(ss);
  return sum;
}

// --- Client --------------------------------------------------------------------------------

Client::Client(std::vector<std::string> interfaces, Options options)
    : impl_(std::make_unique<Impl>(std::move(interfaces), std::move(options))) {}
Client::~Client() = default;

Info Client::info() { return impl_->info(); }
Config Client::config() { return impl_->config(); }
void Client::set_config(const Config& c) { impl_->set_config(c); }
std::vector<ServiceExtended> Client::services() { return impl_->services(); }
ServiceExtended Client::service(const Service& s) { return impl_->service(s); }
void Client::create_service(const Service& s) { impl_->create_service(s); }
void Client::update_service(const Service& s) { impl_->update_service(s); }
void Client::remove_service(const Service& s) { impl_->remove_service(s); }
std::vector<DestinationExtended> Client::destinations(const Service& s) {
  return impl_->destinations(s);
}
void Client::create_destination(const Service& s, const Destination& d) {
  impl_->create_destination(s, d);
}
void Client::update_destination(const Service& s, const Destination& d) {
  impl_->update_destination(s, d);
}
void Client::remove_destination(const Service& s, const Destination& d) {
  impl_->remove_destination(s, d);
}
void Client::set_service(const Service& s, const std::vector<Destination>& ds) {
  impl_->set_service(s, ds);
}
std::vector<VIP> Client::vips() { return impl_->vips(); }
VIP Client::vip(const IPAddr& a) { return impl_->vip(a); }

std::vector<std::uint8_t> Client::read_flow() { return impl_->read_flow(); }
void Client::write_flow(std::span<const std::uint8_t> record) { impl_->write_flow(record); }

IPAddr Client::nat(const IPAddr& vip, const IPAddr& backend) { return impl_->nat(vip, backend); }

}  // namespace xvs
