// SPDX-License-Identifier: Apache-2.0
// Encoding of API objects into the data plane's ABI structs (bpf/abi.h). Pure functions,
// shared by the Client and the packet tests so both program the maps the same way.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include <xvs/address.hpp>
#include <xvs/types.hpp>

#include "../../bpf/abi.h"
#include "net/netinfo.hpp"

namespace xvs::detail {

xvs_addr to_abi(const IPAddr&) noexcept;  // IPv4 as ::ffff:a.b.c.d
IPAddr from_abi(const xvs_addr&) noexcept;
xvs_service_key service_key(const Service&) noexcept;

// The identity of a backend in Maglev tables: its address as stored in the data plane, so
// IPv4 and IPv6 addresses never share a key.
std::array<std::uint8_t, 16> maglev_key(const IPAddr&) noexcept;

// The entry of a destination reached through `hop`; not READY unless hop->resolved and, for
// a tunnel, hop->src is of the backend's family.
xvs_dest dest_entry(const Destination&, const NextHop* hop, std::uint32_t service_slot,
                    std::uint32_t generation) noexcept;

// Service value whose Maglev table maps slots to `dest_index[maglev[slot]]`.
void fill_service(xvs_service& out, const Service&, std::uint32_t service_slot,
                  std::uint32_t vip_slot, std::span<const std::uint16_t> maglev,
                  std::span<const std::uint16_t> dest_index) noexcept;

// The settings entry: the heartbeat (CLOCK_MONOTONIC, clock.hpp), XVS_SETTINGS_* flags and
// the host end of the health-check pair (0: none) with the pair's MACs.
xvs_settings settings_entry(std::uint64_t heartbeat_ns, std::uint32_t flags,
                            int nat_ifindex) noexcept;

}  // namespace xvs::detail
