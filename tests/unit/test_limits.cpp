// SPDX-License-Identifier: Apache-2.0
// The public limits of <xvs/limits.hpp> are the sizes the data plane is built with
// (bpf/abi.h): a change to one without the other fails to compile.
#include <chrono>

#include <catch2/catch.hpp>

#include <xvs/error.hpp>
#include <xvs/limits.hpp>

#include "../bpf/abi.h"
#include "api/validate.hpp"

static_assert(xvs::max_vips == XVS_MAX_VIPS);
static_assert(xvs::max_services == XVS_MAX_SERVICES);
static_assert(xvs::max_destinations == XVS_MAX_DESTINATIONS - 1, "index 0 means none");
static_assert(xvs::max_enabled_destinations_per_service == XVS_MAX_BACKENDS);
static_assert(xvs::maglev_table_size == XVS_MAGLEV_SIZE);
static_assert(xvs::default_flows_per_cpu == XVS_DEFAULT_FLOWS_PER_CPU);
static_assert(std::chrono::nanoseconds(xvs::watchdog_timeout).count() == XVS_WATCHDOG_NS);

TEST_CASE("the VLAN ID range of <xvs/limits.hpp> is the one validation enforces") {
  const auto net = xvs::Prefix::parse("10.1.2.3/24");
  xvs::Config c;
  c.ipv4_vlans[xvs::min_vlan_id] = net;
  c.ipv4_vlans[xvs::max_vlan_id] = xvs::Prefix::parse("10.1.3.3/24");
  CHECK_NOTHROW(xvs::detail::validate_config(c));

  xvs::Config low, high;
  low.ipv4_vlans[xvs::min_vlan_id - 1] = net;
  high.ipv4_vlans[xvs::max_vlan_id + 1] = net;
  CHECK_THROWS_AS(xvs::detail::validate_config(low), xvs::Error);
  CHECK_THROWS_AS(xvs::detail::validate_config(high), xvs::Error);
}
