// SPDX-License-Identifier: Apache-2.0
// The BIRD 2 configuration xvsd owns (docs/scale-out.md): one file, included from the user's
// bird.conf, holding
//   - static protocols xvsd_vips4 / xvsd_vips6 with one blackhole route per healthy VIP
//     (/32, /128): BIRD announces them, the balancer's XDP program answers the traffic;
//   - when the xvsd configuration has a `bgp` section, one BGP protocol per peer that
//     exports exactly those routes (with the configured communities) and imports nothing.
// The user's own bird.conf keeps its router id, kernel/device protocols and anything else.
#pragma once

#include <set>
#include <string>

#include <xvs/xvs.hpp>

#include "config/config.hpp"

namespace xvsd::rhi {

inline constexpr const char* kStatic4 = "xvsd_vips4";
inline constexpr const char* kStatic6 = "xvsd_vips6";

// The whole include file for these healthy VIPs and this bgp section.
std::string render_bird_include(const std::set<xvs::IPAddr>& healthy, const BgpConfig& bgp);

}  // namespace xvsd::rhi
