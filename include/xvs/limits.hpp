// SPDX-License-Identifier: Apache-2.0
#pragma once

// The documented limits and defaults of libxvs (docs/api.md). The data plane's maps are sized
// by bpf/abi.h; tests/unit/test_limits.cpp fails the build if the two ever disagree.
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace xvs {

// Capacity: going beyond it throws Error{Errc::capacity}.
inline constexpr std::size_t max_vips = 1024;
inline constexpr std::size_t max_services = 1024;
// (service, destination) pairs over all services; each pair counts once.
inline constexpr std::size_t max_destinations = 16383;
// Destinations of one service that take new flows (disabled or weight 0 ones do not count).
inline constexpr std::size_t max_enabled_destinations_per_service = 255;

// Slots of each service's Maglev table: the granularity of weights and of flow movement.
inline constexpr std::size_t maglev_table_size = 16384;

// Options::flows_per_cpu when left 0: entries of each CPU's flow table.
inline constexpr std::uint32_t default_flows_per_cpu = 1'000'000;

// Valid VLAN IDs (keys of Config::ipv4_vlans / ipv6_vlans, values of Config::routes).
inline constexpr std::uint16_t min_vlan_id = 1;
inline constexpr std::uint16_t max_vlan_id = 4094;

// The data plane passes all traffic to the kernel when the Client has not refreshed it for
// this long (a stopped or hung control plane must not black-hole the VIPs).
inline constexpr std::chrono::seconds watchdog_timeout{60};

}  // namespace xvs
