// SPDX-License-Identifier: Apache-2.0
// Argument checks of the public API (docs/api.md, docs/design.md). Each throws
// Error{Errc::invalid_argument} naming the offending value; none has side effects.
#pragma once

#include <map>
#include <xvs/types.hpp>

namespace xvs::detail {

// 255.255.255.255, IPv4's limited broadcast: never one host.
bool is_limited_broadcast(const IPAddr&) noexcept;

void validate_service(const Service&);
void validate_destination(const Destination&);
void validate_vlans(const std::map<std::uint16_t, Prefix>& ipv4_vlans,
                    const std::map<std::uint16_t, Prefix>& ipv6_vlans,
                    const std::map<Prefix, std::uint16_t>& routes);
inline void validate_config(const Config& c) { validate_vlans(c.ipv4_vlans, c.ipv6_vlans, c.routes); }

}  // namespace xvs::detail
