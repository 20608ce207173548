// SPDX-License-Identifier: Apache-2.0
// The desired state of services, destinations and VIPs, and the one path that programs it
// into the data plane: slots, generations, capacity, next-hop resolution, Maglev tables and
// NAT entries. Shared by the Client, the packet tests and xvs-bench, with the map layer
// (service_maps.hpp) and the resolver (paths.hpp) injected. Not thread-safe: the Client's
// lock serializes callers.
//
// Every mutator is all-or-nothing. It checks its arguments against the state and capacity
// first; when a map write then fails, the state and the maps it touched are put back as
// they were before the call, and the error is rethrown.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <xvs/address.hpp>
#include <xvs/types.hpp>

#include "../../bpf/abi.h"
#include "control/active.hpp"
#include "control/paths.hpp"
#include "control/service_maps.hpp"
#include "control/slots.hpp"

namespace xvs::detail {

using LogFields = std::vector<std::pair<std::string, std::string>>;
using Log = std::function<void(std::string_view msg, const LogFields&)>;

// Identity of a service: sticky is an attribute, not part of the key.
using ServiceId = std::tuple<IPAddr, std::uint16_t, Protocol>;
inline ServiceId id_of(const Service& s) { return {s.address, s.port, s.protocol}; }
std::string describe(const Service&);  // "192.0.2.1:80/tcp", "[2001:db8::1]:53/udp"

inline bool takes_new_flows(const Destination& d) { return !d.disable && d.weight > 0; }

struct DestState {
  Destination config;
  std::uint16_t index = 0;
  std::uint32_t generation = 0;
  std::optional<NextHop> hop;  // from the last resolution
  std::string problem;         // last resolution problem, logged when it changes
  xvs_dest entry{};            // as last written to the data plane
  std::uint32_t active = 0;    // recent flows, from the last walk of the flow table
  bool ready() const { return entry.flags & XVS_DEST_READY; }
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

class ServiceTable {
public:
  // Destinations get generations above `generation_floor`: kept flow entries (pinned
  // maps) may name any generation up to it.
  ServiceTable(ServiceMaps& maps, const Paths& paths, std::uint32_t generation_floor,
               Log log = {});

  // The API's mutators (client.hpp), for arguments that validate.hpp accepted. They throw
  // service_exists / service_not_found / destination_exists / destination_not_found /
  // capacity before changing anything.
  void create_service(const Service&);
  void update_service(const Service&);
  void remove_service(const Service&);
  void create_destination(const Service&, const Destination&);
  void update_destination(const Service&, const Destination&);
  void remove_destination(const Service&, const Destination&);
  void set_service(const Service&, const std::vector<Destination>&);

  // Re-resolves every destination (the network or the VLAN config changed) and writes
  // what changed. A failure is rethrown after the rest was written.
  void commit_all();

  const std::map<ServiceId, ServiceState>& services() const { return services_; }
  const std::map<IPAddr, VipState>& vips() const { return vips_; }
  const ServiceState& find(const Service&) const;  // throws service_not_found
  // Some destination (of `s`, or of any service) still waits for its next hop.
  bool resolving(const Service& s) const;
  bool resolving() const;
  // Active connections, from a walk of the flow table (active.hpp).
  void store_active(const ActiveCounts&);

private:
  struct Undo;

  ServiceState& state_of(const Service&);
  DestState& state_of(ServiceState&, const Destination&);
  void check_destination_capacity(const ServiceState*, const std::vector<Destination>&) const;
  void check_service_capacity(const Service&) const;
  ServiceState& add_service(const Service&);
  void add_destination(ServiceState&, const Destination&);
  std::uint16_t forget_destination(ServiceState&, std::map<IPAddr, DestState>::iterator);
  void retire(std::span<const std::uint16_t> indexes);
  // The data plane in line with `changed` (when given) and the NAT entries of `vip`;
  // `new_vip`: the VIP's entry is written too, after its first service's; `retired`:
  // destination indexes no service names any more, cleared and released.
  void commit(const IPAddr& vip, ServiceState* changed, bool new_vip = false,
              std::span<const std::uint16_t> retired = {});
  void sync(ServiceState&, bool rewrite = false);
  void sync_nat(const IPAddr& vip);
  xvs_nat nat_entry(const IPAddr& vip, const IPAddr& backend, const DestState&) const;
  // Runs `change` (which may touch only `vip`'s services) all-or-nothing.
  template <typename F>
  void transaction(const IPAddr& vip, F&& change);
  void roll_back(Undo&) noexcept;
  void log(std::string_view msg, const LogFields& fields = {}) const {
    if (log_) log_(msg, fields);
  }

  ServiceMaps& maps_;
  const Paths& paths_;
  Log log_;
  std::map<ServiceId, ServiceState> services_;
  std::map<IPAddr, VipState> vips_;
  Slots vip_slots_{1, XVS_MAX_VIPS};
  Slots service_slots_{1, XVS_MAX_SERVICES};
  Slots dest_slots_{1, XVS_MAX_DESTINATIONS - 1};
  std::uint32_t generation_ = 0;
};

}  // namespace xvs::detail
