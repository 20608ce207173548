// SPDX-License-Identifier: Apache-2.0
// Argument validation of the public API: each rule of docs/api.md ("Validation rules") rejects with
// Errc::invalid_argument and a message naming the value.
#include <catch2/catch.hpp>

#include <xvs/error.hpp>

#include "api/validate.hpp"

using namespace xvs;
using xvs::detail::validate_destination;
using xvs::detail::validate_service;
using xvs::detail::validate_vlans;

namespace {

// Runs f, which must throw invalid_argument with `needle` in its message.
template <typename F>
void rejects(F&& f, const std::string& needle) {
  try {
    f();
    FAIL("accepted; expected an error mentioning \"" << needle << "\"");
  } catch (const Error& e) {
    CHECK(e.code() == Errc::invalid_argument);
    CHECK_THAT(e.what(), Catch::Matchers::Contains(needle));
  }
}

Service svc(const char* addr, std::uint16_t port = 80, Protocol p = Protocol::TCP) {
  return Service{IPAddr::parse(addr), port, p, false};
}

Destination dst(const char* addr, TunnelType t = TunnelType::None, std::uint16_t port = 0) {
  Destination d;
  d.address = IPAddr::parse(addr);
  d.tunnel_type = t;
  d.tunnel_port = port;
  return d;
}

}  // namespace

TEST_CASE("a service needs a usable unicast address, a port and TCP or UDP") {
  CHECK_NOTHROW(validate_service(svc("192.0.2.1")));
  CHECK_NOTHROW(validate_service(svc("2001:db8::1", 443, Protocol::UDP)));
  rejects([] { validate_service(Service{}); }, "not set");
  rejects([] { validate_service(svc("0.0.0.0")); }, "0.0.0.0 is unspecified");
  rejects([] { validate_service(svc("::")); }, ":: is unspecified");
  rejects([] { validate_service(svc("127.0.0.1")); }, "127.0.0.1 is a loopback");
  rejects([] { validate_service(svc("::1")); }, "::1 is a loopback");
  rejects([] { validate_service(svc("224.0.0.5")); }, "224.0.0.5 is a multicast");
  rejects([] { validate_service(svc("ff02::1")); }, "ff02::1 is a multicast");
  rejects([] { validate_service(svc("255.255.255.255")); }, "255.255.255.255 is the broadcast");
  rejects([] { validate_service(svc("::ffff:192.0.2.1")); },
          "::ffff:192.0.2.1 is IPv4-mapped; give the IPv4 address 192.0.2.1");
  rejects([] { validate_service(svc("192.0.2.1", 0)); }, "port 0");
  rejects([] { validate_service(svc("192.0.2.1", 80, static_cast<Protocol>(1))); },
          "protocol 1");
}

TEST_CASE("a destination needs a usable address and, for FOU and GUE, a tunnel port") {
  CHECK_NOTHROW(validate_destination(dst("10.0.0.2")));
  CHECK_NOTHROW(validate_destination(dst("10.0.0.2", TunnelType::IPIP)));
  CHECK_NOTHROW(validate_destination(dst("fd00::2", TunnelType::GRE)));
  CHECK_NOTHROW(validate_destination(dst("10.0.0.2", TunnelType::FOU, 5555)));
  CHECK_NOTHROW(validate_destination(dst("10.0.0.2", TunnelType::GUE, 6080)));
  rejects([] { validate_destination(Destination{}); }, "not set");
  rejects([] { validate_destination(dst("0.0.0.0")); }, "unspecified");
  rejects([] { validate_destination(dst("127.0.0.2")); }, "127.0.0.2 is a loopback");
  rejects([] { validate_destination(dst("255.255.255.255")); }, "is the broadcast");
  rejects([] { validate_destination(dst("239.1.1.1")); }, "multicast");
  rejects([] { validate_destination(dst("::ffff:10.0.0.2")); }, "IPv4-mapped");
  rejects([] { validate_destination(dst("10.0.0.2", TunnelType::FOU)); }, "fou tunnel needs");
  rejects([] { validate_destination(dst("10.0.0.2", TunnelType::GUE)); }, "gue tunnel needs");
  rejects([] { validate_destination(dst("10.0.0.2", static_cast<TunnelType>(9))); },
          "unknown tunnel type 9");
}

TEST_CASE("VLAN IDs are 1..4094 and VLAN prefixes match the family of their map") {
  const auto p4 = Prefix::parse("10.1.2.3/24");
  const auto p6 = Prefix::parse("fd00::3/64");
  CHECK_NOTHROW(validate_vlans({{1, p4}, {4094, p4}}, {{1, p6}}, {}));
  rejects([&] { validate_vlans({{0, p4}}, {}, {}); }, "VLAN ID 0");
  rejects([&] { validate_vlans({{4095, p4}}, {}, {}); }, "VLAN ID 4095");
  rejects([&] { validate_vlans({}, {{4095, p6}}, {}); }, "VLAN ID 4095");
  rejects([&] { validate_vlans({{7, p6}}, {}, {}); }, "VLAN 7 has non-IPv4 prefix fd00::3/64");
  rejects([&] { validate_vlans({}, {{7, p4}}, {}); }, "VLAN 7 has non-IPv6 prefix 10.1.2.3/24");
}

TEST_CASE("a route names a configured VLAN of its own family") {
  const auto p4 = Prefix::parse("10.1.2.3/24");
  const auto remote = Prefix::parse("172.16.0.0/16");
  CHECK_NOTHROW(validate_vlans({{10, p4}}, {}, {{remote, 10}}));
  rejects([&] { validate_vlans({{10, p4}}, {}, {{remote, 11}}); }, "uses VLAN 11");
  rejects([&] { validate_vlans({{10, p4}}, {}, {{remote, 0}}); }, "VLAN ID 0");
  rejects([&] { validate_vlans({{10, p4}}, {}, {{Prefix::parse("fd01::/64"), 10}}); },
          "no IPv6 prefix");
}
