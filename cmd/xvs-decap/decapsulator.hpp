// SPDX-License-Identifier: Apache-2.0
// The decapsulator's BPF object (decap.bpf.c) and its maps, as the command line and the
// packet tests use them.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <set>
#include <span>
#include <vector>

#include <xvs/address.hpp>

#include "dataplane/bpf_loader.hpp"
#include "decap_abi.h"

namespace xvs::decap {

// What the program accepts besides "to this host".
struct Filter {
  std::vector<IPAddr> vips;   // inner destinations; empty: any
  std::vector<IPAddr> peers;  // outer sources; empty: any
  std::uint16_t fou_port = 0;  // UDP port of FOU; 0: FOU not decapsulated
  std::uint16_t gue_port = 0;  // UDP port of GUE; 0: GUE not decapsulated
};

using Counts = std::array<std::uint64_t, XVS_DECAP_REASONS>;  // by enum xvs_decap_reason

class Decapsulator {
public:
  // Loads `object` (empty: the embedded one) and configures it with `filter`; no address is
  // local until set_locals. Throws Error{Errc::invalid_argument} when FOU and GUE share a
  // port, Error{Errc::capacity} for more VIPs or peers than the maps hold.
  explicit Decapsulator(const Filter& filter, std::span<const std::uint8_t> object = {});

  int program_fd() const noexcept { return prog_fd_; }

  // Makes `addrs` exactly the addresses whose tunnel packets are decapsulated.
  void set_locals(const std::set<IPAddr>& addrs);
  Counts counts() const;  // summed over CPUs

private:
  detail::BpfObject obj_;
  int prog_fd_;
  int locals_fd_;
  int counters_fd_;
  std::uint32_t cpus_;
  std::set<IPAddr> locals_;
};

// Lower-case name of a reason ("ipip", "wrong_peer", ...).
const char* reason_name(std::size_t reason) noexcept;

// Every address of this network namespace's interfaces, from rtnetlink.
std::set<IPAddr> local_addresses();

}  // namespace xvs::decap
