// SPDX-License-Identifier: Apache-2.0
// The loaded BPF object and a typed layer over its maps. Knows nothing about services or
// destinations as the API sees them: it stores and reads ABI structs (bpf/abi.h).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include <xvs/address.hpp>

#include "../../bpf/abi.h"
#include "dataplane/bpf_loader.hpp"
#include "dataplane/counter_levels.hpp"
#include "dataplane/pins.hpp"

namespace xvs::detail {

class Dataplane {
public:
  // Inflates and loads `object` (a zlib-compressed or plain BPF ELF; empty = the embedded
  // one), sizing the flow tables (local and shared) for `flows_per_cpu` entries per possible
  // CPU. With a `pin_dir`, the maps of pins.hpp are kept there across processes; `log` hears
  // about pinned state that had to be discarded. Throws Error{Errc::system} carrying the
  // verifier's log when loading fails.
  Dataplane(std::span<const std::uint8_t> object, std::uint32_t flows_per_cpu,
            const std::string& pin_dir = {}, const PinLog& log = {});
  ~Dataplane();
  Dataplane(const Dataplane&) = delete;
  Dataplane& operator=(const Dataplane&) = delete;

  int program_fd() const noexcept;  // the forwarding XDP program
  int program_fd(const char* name) const;  // another program of the object, e.g. "xvs_nat"
  int map_fd(const char* name) const;  // throws when the object has no such map

  void set_settings(const xvs_settings&);  // flow_buckets is this object's own
  // Also maintain "vip_filter" and "vip_slots". Not thread-safe: callers serialize (the
  // Client's lock).
  void set_vip(const xvs_addr&, const xvs_vip&);
  void erase_vip(const xvs_addr&) noexcept;
  void set_service(const xvs_service_key&, const xvs_service&);
  void erase_service(const xvs_service_key&) noexcept;
  void set_dest(std::uint16_t index, const xvs_dest&);

  // A level's counters, summed over CPUs and over the levels below it (counter_levels.hpp:
  // the program counts each packet in one slot, the entries written here link the levels).
  xvs_counters counters(std::uint32_t slot) const;
  void reset_counters(std::uint32_t slot);  // reads 0 from now on; its parent keeps its count
  xvs_reasons reasons() const;                      // summed over CPUs

  static std::uint32_t possible_cpus();

private:
  struct Vip {
    xvs_addr addr;
    std::uint32_t bit;  // its filter bit, the index of its slot in "vip_slots"
    xvs_vip value;
  };
  void write_vip_filter();
  void sync_vip_slot(std::uint32_t bit);

  PinDirectory pins_;  // before obj_: locked and checked before the object touches it
  BpfObject obj_;
  int prog_fd_ = -1;
  int settings_fd_ = -1, vips_fd_ = -1, services_fd_ = -1, dests_fd_ = -1,
      counters_fd_ = -1, reasons_fd_ = -1, vip_filter_fd_ = -1, vip_slots_fd_ = -1;
  std::map<std::array<std::uint32_t, 4>, Vip> vips_;  // every VIP, by address
  std::uint32_t cpus_ = 1;
  std::uint32_t flow_buckets_ = 0;
  CounterLevels levels_{[this](std::uint32_t slot) {
    return sum_percpu<xvs_counters>(counters_fd_, slot, cpus_, "counters");
  }};
};

// The embedded, zlib-compressed data-plane object (generated at build time).
std::span<const std::uint8_t> embedded_object() noexcept;

}  // namespace xvs::detail
