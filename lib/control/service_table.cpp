// SPDX-License-Identifier: Apache-2.0
#include "control/service_table.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>
#include <set>

#include <fmt/format.h>
#include <xvs/error.hpp>

#include "control/maglev.hpp"
#include "dataplane/entries.hpp"

namespace xvs::detail {

std::string describe(const Service& s) {
  return s.address.is6() ? fmt::format("[{}]:{}/{}", s.address, s.port, to_string(s.protocol))
                         : fmt::format("{}:{}/{}", s.address, s.port, to_string(s.protocol));
}

ServiceTable::ServiceTable(ServiceMaps& maps, const Paths& paths, std::uint32_t generation_floor,
                           Log log)
    : maps_(maps), paths_(paths), log_(std::move(log)), generation_(generation_floor) {}

// --- lookups -------------------------------------------------------------------------------

const ServiceState& ServiceTable::find(const Service& s) const {
  auto it = services_.find(id_of(s));
  if (it == services_.end())
    throw Error(Errc::service_not_found, fmt::format("service {} does not exist", describe(s)));
  return it->second;
}

ServiceState& ServiceTable::state_of(const Service& s) {
  return const_cast<ServiceState&>(std::as_const(*this).find(s));
}

DestState& ServiceTable::state_of(ServiceState& ss, const Destination& d) {
  auto it = ss.dests.find(d.address);
  if (it == ss.dests.end())
    throw Error(Errc::destination_not_found,
                fmt::format("destination {} of service {} does not exist", d.address,
                            describe(ss.config)));
  return it->second;
}

bool ServiceTable::resolving(const Service& s) const {
  const auto it = services_.find(id_of(s));
  return it != services_.end() &&
         std::any_of(it->second.dests.begin(), it->second.dests.end(),
                     [](const auto& d) { return !d.second.ready(); });
}

bool ServiceTable::resolving() const {
  return std::any_of(services_.begin(), services_.end(),
                     [this](const auto& s) { return resolving(s.second.config); });
}

// Counts of flows naming an older generation of a slot belong to a removed destination.
void ServiceTable::store_active(const ActiveCounts& counts) {
  for (auto& [_, ss] : services_)
    for (auto& [__, d] : ss.dests) {
      const auto it = counts.find({d.index, d.generation});
      d.active = it == counts.end() ? 0 : it->second;
    }
}

// --- all or nothing ------------------------------------------------------------------------

// The state a mutator may change: the VIP's services and entry, and the slot allocators.
// Generations are not given back: a data plane may have seen them for an instant.
struct ServiceTable::Undo {
  IPAddr vip;
  std::optional<VipState> vip_state;
  std::map<ServiceId, ServiceState> services;
  Slots vip_slots, service_slots, dest_slots;
};

template <typename F>
void ServiceTable::transaction(const IPAddr& vip, F&& change) {
  Undo undo{vip, {}, {}, vip_slots_, service_slots_, dest_slots_};
  if (auto v = vips_.find(vip); v != vips_.end()) undo.vip_state = v->second;
  for (auto it = services_.lower_bound({vip, 0, Protocol{}});
       it != services_.end() && std::get<0>(it->first) == vip; ++it)
    undo.services.insert(*it);
  try {
    change();
  } catch (...) {
    roll_back(undo);
    throw;
  }
}

// Writes the saved state back over whatever the failed change wrote: entries it added are
// cleared, the saved ones rewritten in full. Should a write fail here too, it is logged and
// the rest still written (the next commit_all() retries the entries).
void ServiceTable::roll_back(Undo& undo) noexcept {
  const auto attempt = [&](const char* what, auto&& write) {
    try {
      write();
    } catch (const std::exception& e) {
      log("rollback incomplete", {{"vip", undo.vip.to_string()}, {"step", what},
                                  {"error", e.what()}});
    }
  };
  std::set<std::uint16_t> kept;
  for (const auto& [_, ss] : undo.services)
    for (const auto& [__, d] : ss.dests) kept.insert(d.index);
  for (auto it = services_.lower_bound({undo.vip, 0, Protocol{}});
       it != services_.end() && std::get<0>(it->first) == undo.vip;) {
    const ServiceState& now = it->second;
    const auto before = undo.services.find(it->first);
    if (before == undo.services.end()) maps_.erase_service(service_key(now.config));
    for (const auto& [addr, d] : now.dests) {
      if (before == undo.services.end() || !before->second.dests.contains(addr))
        maps_.unbind_backend(now.config, addr);
      if (!kept.contains(d.index)) attempt("clear destination", [&] { maps_.set_dest(d.index, {}); });
    }
    it = services_.erase(it);
  }
  vip_slots_ = std::move(undo.vip_slots);
  service_slots_ = std::move(undo.service_slots);
  dest_slots_ = std::move(undo.dest_slots);
  if (undo.vip_state)
    vips_[undo.vip] = *undo.vip_state;
  else
    vips_.erase(undo.vip);
  for (auto& [id, ss] : undo.services) {
    auto& placed = services_.emplace(id, std::move(ss)).first->second;
    for (const auto& [addr, d] : placed.dests)
      attempt("bind backend", [&] { maps_.bind_backend(placed.config, addr, d.index, d.generation); });
    attempt("service", [&] { sync(placed, true); });
  }
  if (undo.vip_state)
    attempt("vip", [&] { maps_.set_vip(to_abi(undo.vip), xvs_vip{undo.vip_state->slot, 0}); });
  else
    maps_.erase_vip(to_abi(undo.vip));
  attempt("nat", [&] { sync_nat(undo.vip); });
}

// --- state changes -------------------------------------------------------------------------

void ServiceTable::check_destination_capacity(const ServiceState* ss,
                                              const std::vector<Destination>& ds) const {
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
  // Generation 0 means "retired" to the data plane: the numbering must never wrap into it.
  if (added > std::numeric_limits<std::uint32_t>::max() - generation_)
    throw Error(Errc::capacity,
                fmt::format("destination generations are used up ({}); start a Client "
                            "without the pinned state to number them afresh",
                            generation_));
}

void ServiceTable::check_service_capacity(const Service& s) const {
  if (service_slots_.available() == 0)
    throw Error(Errc::capacity, fmt::format("cannot create service {}: the limit is {} services",
                                            describe(s), XVS_MAX_SERVICES));
  if (!vips_.contains(s.address) && vip_slots_.available() == 0)
    throw Error(Errc::capacity, fmt::format("cannot create VIP {}: the limit is {} VIPs",
                                            s.address, XVS_MAX_VIPS));
}

// For a service check_service_capacity() accepted.
ServiceState& ServiceTable::add_service(const Service& s) {
  const bool new_vip = !vips_.contains(s.address);
  ServiceState ss;
  ss.config = s;
  ss.slot = *service_slots_.take();
  VipState& vip = vips_[s.address];
  if (new_vip) vip.slot = *vip_slots_.take();
  vip.services++;
  auto& placed = services_.emplace(id_of(s), std::move(ss)).first->second;
  maps_.reset_counters(XVS_COUNTERS_SERVICE(placed.slot));
  if (new_vip) maps_.reset_counters(XVS_COUNTERS_VIP(vip.slot));
  log("service created", {{"service", describe(s)}});
  return placed;
}

void ServiceTable::add_destination(ServiceState& ss, const Destination& d) {
  DestState ds;
  ds.config = d;
  ds.index = static_cast<std::uint16_t>(*dest_slots_.take());
  ds.generation = ++generation_;
  auto& placed = ss.dests.emplace(d.address, std::move(ds)).first->second;
  maps_.reserve_generation(placed.generation);
  maps_.bind_backend(ss.config, d.address, placed.index, placed.generation);
  maps_.reset_counters(XVS_COUNTERS_DEST(placed.index));
  log("destination created",
      {{"service", describe(ss.config)}, {"destination", d.address.to_string()}});
}

// Forgets a destination and returns its index, for commit() to retire.
std::uint16_t ServiceTable::forget_destination(ServiceState& ss,
                                               std::map<IPAddr, DestState>::iterator it) {
  std::uint16_t index = it->second.index;
  maps_.unbind_backend(ss.config, it->first);
  log("destination removed", {{"service", describe(ss.config)},
                              {"destination", it->first.to_string()}});
  ss.dests.erase(it);
  return index;
}

// Clears destination entries no table names any more. Generation 0 never matches a flow,
// so flows pinned to these indexes are re-hashed.
void ServiceTable::retire(std::span<const std::uint16_t> indexes) {
  for (std::uint16_t index : indexes) maps_.set_dest(index, xvs_dest{});
  for (std::uint16_t index : indexes) dest_slots_.release(index);
}

// --- programming the data plane ------------------------------------------------------------

// The order keeps traffic flowing at every step and puts the NAT pairs last, so that a
// failure before them leaves every pair's address as it was.
void ServiceTable::commit(const IPAddr& vip, ServiceState* changed, bool new_vip,
                          std::span<const std::uint16_t> retired) {
  if (changed) sync(*changed);
  // A new VIP after its service entry: a VIP without one would drop as err_no_service.
  if (new_vip) maps_.set_vip(to_abi(vip), xvs_vip{vips_.at(vip).slot, 0});
  // Only once no Maglev table names them.
  retire(retired);
  sync_nat(vip);
}

// Brings the data plane in line with one service: destination entries (re-resolving next
// hops), then the Maglev table over the usable destinations. With `rewrite`, every entry is
// written even when it looks unchanged.
void ServiceTable::sync(ServiceState& ss, bool rewrite) {
  std::vector<MaglevBackend> backends;
  std::vector<std::uint16_t> indexes;
  std::vector<std::pair<std::uint16_t, std::uint16_t>> built_from;
  for (auto& [addr, d] : ss.dests) {
    bool layer2 = d.config.tunnel_type == TunnelType::None;
    Resolution r = paths_.resolve(addr, layer2);
    if (r.problem != d.problem) {
      if (!r.problem.empty())
        log("destination unreachable",
            {{"destination", addr.to_string()}, {"problem", r.problem}});
      d.problem = r.problem;
    }
    d.hop = r.next_hop;
    const NextHop* hop = d.hop ? &*d.hop : nullptr;
    xvs_dest entry = dest_entry(d.config, hop, ss.slot, d.generation);
    if (rewrite || std::memcmp(&entry, &d.entry, sizeof entry) != 0) {
      maps_.set_dest(d.index, entry);
      if ((entry.flags ^ d.entry.flags) & XVS_DEST_READY)
        log(entry.flags & XVS_DEST_READY ? "destination ready" : "destination not ready",
            {{"destination", addr.to_string()}, {"mac", to_string(MAC{entry.mac[0], entry.mac[1],
                                                     entry.mac[2], entry.mac[3], entry.mac[4],
                                                     entry.mac[5]})}});
      d.entry = entry;
    }
    if (takes_new_flows(d.config) && d.ready()) {
      MaglevBackend b;
      b.key = maglev_key(addr);
      b.weight = d.config.weight;
      backends.push_back(b);
      indexes.push_back(d.index);
      built_from.emplace_back(d.index, d.config.weight);
    }
  }
  std::uint32_t flags = ss.config.sticky ? XVS_SERVICE_STICKY : 0;
  if (!rewrite && built_from == ss.built_from && flags == ss.built_flags) return;

  std::vector<std::uint16_t> table = maglev_table(backends, XVS_MAGLEV_SIZE);
  auto value = std::make_unique<xvs_service>();  // 16 KiB and more: not on the stack
  fill_service(*value, ss.config, ss.slot, vips_.at(ss.config.address).slot, table, indexes);
  // Forget what was built before writing: should the write fail, the next sync retries.
  ss.built_flags = ~0u;
  maps_.set_service(service_key(ss.config), *value);
  ss.built_from = std::move(built_from);
  ss.built_flags = flags;
}

void ServiceTable::commit_all() {
  std::optional<Error> failed;
  for (auto& [_, ss] : services_) try {
      sync(ss);
    } catch (const Error& e) {
      if (!failed) failed = e;
    }
  for (const auto& [vip, _] : vips_) try {
      sync_nat(vip);
    } catch (const Error& e) {
      if (!failed) failed = e;
    }
  if (failed) throw *failed;
}

// Where probes to the NAT address of (vip, backend) go: the backend's path in the first of
// the VIP's services that has it (by port, then protocol), from our address of the VIP's
// family on that backend's network. Entries that cannot be sent from drop in the program.
xvs_nat ServiceTable::nat_entry(const IPAddr& vip, const IPAddr& backend,
                                const DestState& d) const {
  xvs_nat e{};
  e.vip = to_abi(vip);
  e.dest = d.index;
  e.generation = d.generation;
  if (d.hop) {
    const IPAddr src =
        vip.is4() == backend.is4() ? d.hop->src : paths_.address_on(d.hop->link, vip.is4());
    if (src.valid()) e.saddr = to_abi(src);
    // A probe starts untagged; the backend's network may be a tagged VLAN of the trunk.
    if (d.hop->link != d.hop->ifindex) e.vlan = d.hop->vlan_id;
  }
  return e;
}

void ServiceTable::sync_nat(const IPAddr& vip) {
  std::map<IPAddr, xvs_nat> entries;
  for (auto it = services_.lower_bound({vip, 0, Protocol{}});
       it != services_.end() && std::get<0>(it->first) == vip; ++it)
    for (const auto& [backend, d] : it->second.dests)
      if (!entries.contains(backend)) entries.emplace(backend, nat_entry(vip, backend, d));
  maps_.set_nat(vip, entries);
}

// --- the mutators --------------------------------------------------------------------------

void ServiceTable::create_service(const Service& s) {
  if (services_.contains(id_of(s)))
    throw Error(Errc::service_exists, fmt::format("service {} already exists", describe(s)));
  check_service_capacity(s);
  const bool new_vip = !vips_.contains(s.address);
  transaction(s.address, [&] { commit(s.address, &add_service(s), new_vip); });
}

void ServiceTable::update_service(const Service& s) {
  find(s);
  transaction(s.address, [&] {
    ServiceState& ss = state_of(s);
    ss.config = s;
    commit(s.address, &ss);
  });
}

void ServiceTable::remove_service(const Service& s) {
  find(s);
  transaction(s.address, [&] {
    auto it = services_.find(id_of(s));
    VipState& vip = vips_.at(s.address);
    if (--vip.services == 0) {
      // The VIP goes first: its traffic passes to the host from now on.
      maps_.erase_vip(to_abi(s.address));
      maps_.erase_service(service_key(s));
      vip_slots_.release(vip.slot);
      vips_.erase(s.address);
    } else {
      maps_.erase_service(service_key(s));
    }
    std::vector<std::uint16_t> indexes;
    for (const auto& [addr, d] : it->second.dests) {
      maps_.unbind_backend(it->second.config, addr);
      indexes.push_back(d.index);
    }
    service_slots_.release(it->second.slot);
    services_.erase(it);
    commit(s.address, nullptr, false, indexes);
    log("service removed", {{"service", describe(s)}});
  });
}

void ServiceTable::create_destination(const Service& s, const Destination& d) {
  ServiceState& ss = state_of(s);
  if (ss.dests.contains(d.address))
    throw Error(Errc::destination_exists,
                fmt::format("destination {} of service {} already exists", d.address,
                            describe(s)));
  std::vector<Destination> all{d};
  for (const auto& [_, existing] : ss.dests) all.push_back(existing.config);
  check_destination_capacity(&ss, all);
  transaction(s.address, [&] {
    ServiceState& placed = state_of(s);
    add_destination(placed, d);
    commit(s.address, &placed);
  });
}

void ServiceTable::update_destination(const Service& s, const Destination& d) {
  ServiceState& ss = state_of(s);
  state_of(ss, d);
  std::vector<Destination> all;
  for (const auto& [addr, existing] : ss.dests)
    all.push_back(addr == d.address ? d : existing.config);
  check_destination_capacity(&ss, all);
  transaction(s.address, [&] {
    ServiceState& placed = state_of(s);
    state_of(placed, d).config = d;
    commit(s.address, &placed);
  });
}

void ServiceTable::remove_destination(const Service& s, const Destination& d) {
  ServiceState& ss = state_of(s);
  state_of(ss, d);
  transaction(s.address, [&] {
    ServiceState& placed = state_of(s);
    std::uint16_t index = forget_destination(placed, placed.dests.find(d.address));
    commit(s.address, &placed, false, {&index, 1});
  });
}

void ServiceTable::set_service(const Service& s, const std::vector<Destination>& ds) {
  std::set<IPAddr> seen;
  for (const auto& d : ds)
    if (!seen.insert(d.address).second)
      throw Error(Errc::invalid_argument,
                  fmt::format("destination {} listed twice for service {}", d.address,
                              describe(s)));
  auto it = services_.find(id_of(s));
  if (it == services_.end()) check_service_capacity(s);
  check_destination_capacity(it == services_.end() ? nullptr : &it->second, ds);
  const bool new_vip = !vips_.contains(s.address);
  transaction(s.address, [&] {
    auto found = services_.find(id_of(s));
    ServiceState& ss = found == services_.end() ? add_service(s) : found->second;
    ss.config = s;
    std::vector<std::uint16_t> gone;
    for (auto d = ss.dests.begin(); d != ss.dests.end();) {
      auto next = std::next(d);
      if (!seen.contains(d->first)) gone.push_back(forget_destination(ss, d));
      d = next;
    }
    for (const auto& d : ds) {
      auto existing = ss.dests.find(d.address);
      if (existing == ss.dests.end())
        add_destination(ss, d);
      else
        existing->second.config = d;
    }
    commit(s.address, &ss, new_vip, gone);
  });
}

}  // namespace xvs::detail
