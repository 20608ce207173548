// SPDX-License-Identifier: Apache-2.0
#include "api/validate.hpp"

#include <algorithm>

#include <fmt/format.h>

#include <xvs/error.hpp>
#include <xvs/limits.hpp>

namespace xvs::detail {
namespace {

[[noreturn]] void invalid(const std::string& what) { throw Error(Errc::invalid_argument, what); }

// Addresses that can never be a VIP or a real server.
void check_unicast(const IPAddr& a, const char* role) {
  if (!a.valid()) invalid(fmt::format("{} address is not set (invalid IPAddr)", role));
  if (a.is_unspecified()) invalid(fmt::format("{} address {} is unspecified", role, a));
  if (a.is_loopback()) invalid(fmt::format("{} address {} is a loopback address", role, a));
  if (a.is_multicast()) invalid(fmt::format("{} address {} is a multicast address", role, a));
  if (is_limited_broadcast(a))
    invalid(fmt::format("{} address {} is the broadcast address", role, a));
  // The data plane stores IPv4 as ::ffff:a.b.c.d; a mapped IPv6 address would alias it.
  const auto& b = a.bytes();
  if (a.is6() && std::all_of(b.begin(), b.begin() + 10, [](auto x) { return x == 0; }) &&
      b[10] == 0xff && b[11] == 0xff)
    invalid(fmt::format("{} address {} is IPv4-mapped; give the IPv4 address {}.{}.{}.{}", role,
                        a, b[12], b[13], b[14], b[15]));
}

void check_vlan_id(std::uint16_t id, const std::string& where) {
  if (id < min_vlan_id || id > max_vlan_id)
    invalid(fmt::format("VLAN ID {} in {} is outside {}..{}", id, where, min_vlan_id,
                        max_vlan_id));
}

}  // namespace

bool is_limited_broadcast(const IPAddr& a) noexcept {
  const auto& b = a.bytes();
  return a.is4() && b[0] == 255 && b[1] == 255 && b[2] == 255 && b[3] == 255;
}

void validate_service(const Service& s) {
  check_unicast(s.address, "service");
  if (s.port == 0) invalid(fmt::format("service {}: port 0 is not a valid port", s.address));
  if (s.protocol != Protocol::TCP && s.protocol != Protocol::UDP)
    invalid(fmt::format("service {}:{}: protocol {} is neither TCP (6) nor UDP (17)", s.address,
                        s.port, static_cast<unsigned>(s.protocol)));
}

void validate_destination(const Destination& d) {
  check_unicast(d.address, "destination");
  switch (d.tunnel_type) {
    case TunnelType::None:
    case TunnelType::IPIP:
    case TunnelType::GRE:
      break;
    case TunnelType::FOU:
    case TunnelType::GUE:
      if (d.tunnel_port == 0)
        invalid(fmt::format("destination {}: {} tunnel needs a tunnel_port", d.address,
                            to_string(d.tunnel_type)));
      break;
    default:
      invalid(fmt::format("destination {}: unknown tunnel type {}", d.address,
                          static_cast<unsigned>(d.tunnel_type)));
  }
}

void validate_vlans(const std::map<std::uint16_t, Prefix>& ipv4_vlans,
                    const std::map<std::uint16_t, Prefix>& ipv6_vlans,
                    const std::map<Prefix, std::uint16_t>& routes) {
  for (const auto& [id, prefix] : ipv4_vlans) {
    check_vlan_id(id, "ipv4_vlans");
    if (!prefix.addr().is4())
      invalid(fmt::format("ipv4_vlans: VLAN {} has non-IPv4 prefix {}", id, prefix));
  }
  for (const auto& [id, prefix] : ipv6_vlans) {
    check_vlan_id(id, "ipv6_vlans");
    if (!prefix.addr().is6())
      invalid(fmt::format("ipv6_vlans: VLAN {} has non-IPv6 prefix {}", id, prefix));
  }
  for (const auto& [prefix, id] : routes) {
    if (!prefix.valid()) invalid("routes: a route has an invalid prefix");
    check_vlan_id(id, fmt::format("routes ({})", prefix));
    const auto& vlans = prefix.addr().is4() ? ipv4_vlans : ipv6_vlans;
    if (!vlans.contains(id))
      invalid(fmt::format("routes: {} uses VLAN {}, which has no {} prefix", prefix, id,
                          prefix.addr().is4() ? "IPv4" : "IPv6"));
  }
}

}  // namespace xvs::detail
