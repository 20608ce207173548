// SPDX-License-Identifier: Apache-2.0
#pragma once

// fmt::formatter specialisations for IPAddr and Prefix. libxvs links fmt privately, so only
// a program that formats with fmt needs fmt on its link line. <xvs/address.hpp> includes
// this header when <fmt/format.h> exists and XVS_NO_FMT is not defined; include it directly
// to require the formatters.
#include <string_view>

#include <fmt/format.h>

#include <xvs/address.hpp>

template <>
struct fmt::formatter<xvs::IPAddr> : fmt::formatter<std::string_view> {
  auto format(const xvs::IPAddr& a, fmt::format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(a.to_string(), ctx);
  }
};
template <>
struct fmt::formatter<xvs::Prefix> : fmt::formatter<std::string_view> {
  auto format(const xvs::Prefix& p, fmt::format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(p.to_string(), ctx);
  }
};
